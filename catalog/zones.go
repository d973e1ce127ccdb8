package catalog

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/frontline-maps/frontline/geo"
	"github.com/frontline-maps/frontline/store"
)

// ZonesAt returns every zone as it was at dataset version v (at most the
// store's), ordered by ID: the index's zones with each zone changed after v
// put back as it was then (store StateAt). When the index is behind v it
// catches up first. It is what a matcher of watches starts from; it costs
// the records changed since v. It returns ErrReadOnly without a store.
func (c *Catalog) ZonesAt(ctx context.Context, v int64) ([]geo.Zone, error) {
	if c.store == nil {
		return nil, ErrReadOnly
	}
	snap := c.Snapshot()
	if snap == nil {
		return nil, fmt.Errorf("catalog: not loaded")
	}
	if int64(snap.Version()) < v {
		if err := c.Refresh(ctx); err != nil {
			return nil, err
		}
		snap = c.Snapshot()
	}
	since := int64(snap.Version())
	page, err := snap.Zones(geo.ZoneQuery{})
	if err != nil {
		return nil, err
	}
	zones := make(map[geo.ZoneID]geo.Zone, len(page.Zones))
	for _, z := range page.Zones {
		zones[z.ID] = *z
	}
	if since > v {
		then, err := c.store.StateAt(ctx, v, v)
		if err != nil {
			return nil, err
		}
		for _, ch := range then {
			if ch.Kind != store.KindZone {
				continue
			}
			delete(zones, geo.ZoneID(ch.ID))
			if !ch.Deleted {
				zones[geo.ZoneID(ch.ID)] = ch.Record.(geo.Zone)
			}
		}
	}
	out := make([]geo.Zone, 0, len(zones))
	for _, z := range zones {
		out = append(out, z)
	}
	slices.SortFunc(out, func(a, b geo.Zone) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}
