package policy

import "slices"

// StoresIn reports whether region is one of the policy's storage regions
// (regions.storage): where a tenant's data may live.
func (d *Decider) StoresIn(region string) bool { return slices.Contains(d.storage, region) }

// StorageRegions returns the policy's storage regions, in policy order.
func (d *Decider) StorageRegions() []string { return slices.Clone(d.storage) }
