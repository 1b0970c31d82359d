package policy

import "slices"

// StorageRegions returns the regions the policy stores data in
// (regions.storage), in policy order.
func (d *Decider) StorageRegions() []string { return slices.Clone(d.storage) }

// IsStorageRegion reports whether region is one of the policy's storage
// regions: a subject's data may be kept there.
func (d *Decider) IsStorageRegion(region string) bool { return slices.Contains(d.storage, region) }

// Processor returns one declared sub-processor by key (a copy), and false
// when the policy declares none by that key.
func (d *Decider) Processor(key string) (Processor, bool) {
	i, ok := d.procIDs[key]
	if !ok {
		return Processor{}, false
	}
	return cloneProcessors(d.processors[i : i+1])[0], true
}

// ProcessorRetention returns a declared sub-processor's retention
// without copying the processor (the sharing gate asks it on every
// disclosure), and false when the policy declares none by that key.
func (d *Decider) ProcessorRetention(key string) (Retention, bool) {
	i, ok := d.procIDs[key]
	if !ok {
		return Retention{}, false
	}
	return d.processors[i].Retention, true
}
