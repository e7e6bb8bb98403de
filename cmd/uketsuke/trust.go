package main

import (
	"fmt"

	"github.com/uketsuke/uketsuke/reader/cardsim"
	"github.com/uketsuke/uketsuke/reader/trust"
)

// anchors are what cards are verified against: J-LIS's, plus the virtual
// card's test hierarchy in the demo or with [card] trust_test_ca.
func (g *globals) anchors(demo bool) (*trust.Anchors, error) {
	a, err := trust.Production()
	if err != nil {
		return nil, fmt.Errorf("trust anchors: %w", err)
	}
	if demo || g.cfg.Card.TrustTestCA {
		a = cardsim.TestAnchors(a)
	}
	return a, nil
}
