// Package examples holds the example policies, one modeled on each kind of
// AI service steward was designed from, each with its rendered notice. The
// server embeds them so that `steward serve` runs with no set-up.
package examples

import "embed"

// FS holds the example policy files.
//
//go:embed *.yaml
var FS embed.FS

// Starter is the policy `steward serve` enforces when no --policy is given.
const Starter = "ad-asset-studio.yaml"
