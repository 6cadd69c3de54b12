package index

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Actor is one operator across markets: the union of the vendor documents that share an
// actor id. It is derived on read from the vendors, which are kept current from listings,
// so it is never stale.
type Actor struct {
	ID         string    `json:"id"`
	Vendors    []string  `json:"vendors"` // vendor ids
	Handles    []string  `json:"handles"`
	Markets    []string  `json:"markets"`
	Substances []string  `json:"substances"`
	PGP        []string  `json:"pgp,omitempty"`
	Entities   []string  `json:"entities,omitempty"` // entity values
	FirstSeen  time.Time `json:"first_seen,omitzero"`
	LastSeen   time.Time `json:"last_seen,omitzero"`
}

// Actors returns the actors with the given ids (all actors when ids is empty), ordered by
// id. Vendors without an actor id are not actors.
func Actors(ctx context.Context, vl VendorLister, ids ...string) ([]Actor, error) {
	vs, err := vl.Vendors(ctx, VendorQuery{Actor: ids})
	if err != nil {
		return nil, fmt.Errorf("actors: %w", err)
	}
	by := map[string]*Actor{}
	for _, v := range vs {
		if v.Actor == "" {
			continue
		}
		a := by[v.Actor]
		if a == nil {
			a = &Actor{ID: v.Actor}
			by[v.Actor] = a
		}
		a.Vendors = append(a.Vendors, v.ID)
		a.Handles = append(a.Handles, v.Handle)
		a.Markets = append(a.Markets, v.Markets...)
		a.Markets = append(a.Markets, v.Market)
		a.Substances = append(a.Substances, v.Substances...)
		a.PGP = append(a.PGP, v.PGP...)
		for _, e := range v.Entities {
			a.Entities = append(a.Entities, e.Value)
		}
		a.FirstSeen = minTime(a.FirstSeen, v.FirstSeen)
		a.LastSeen = maxTime(a.LastSeen, v.LastSeen)
	}
	out := make([]Actor, 0, len(by))
	for _, a := range by {
		a.Vendors, a.Handles, a.Markets = Uniq(a.Vendors), Uniq(a.Handles), Uniq(a.Markets)
		a.Substances, a.PGP, a.Entities = Uniq(a.Substances), Uniq(a.PGP), Uniq(a.Entities)
		out = append(out, *a)
	}
	slices.SortFunc(out, func(x, y Actor) int { return strings.Compare(x.ID, y.ID) })
	return out, nil
}
