// Package examples holds the example policies, each modeled on a kind of AI
// service steward was designed from, with its rendered Markdown notice next
// to it (NAME.yaml and NAME.md). The server embeds them so that
// `steward serve` runs with no set-up.
//
//   - ad-asset-studio: product images and prompts to AI video models, no training, logs kept 24 hours
//   - enterprise-workspace: connected ERP, documents, tickets, mail and calendar; nothing to outside AI tools
//   - video-search-api: a developer API that trains on queries with personal data redacted
//   - content-studio: text, image and video generation through AI providers that may not train
//   - image-api: shoppers' photos for an image API that trains only on aggregated data
package examples

import "embed"

// FS holds the example policy files.
//
//go:embed *.yaml
var FS embed.FS

// Starter is the policy `steward serve` enforces when no --policy is given:
// a typical generative AI service (accounts, uploads, prompts, generated
// media, AI model partners under consent, request logs kept 24 hours).
const Starter = "ad-asset-studio.yaml"
