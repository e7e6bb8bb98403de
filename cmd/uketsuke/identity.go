package main

import (
	"fmt"
	"os"
	"os/user"
	"strconv"

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

// cliActor is who a command-line action is audited as: the staff id given
// (if any) and the OS user that ran the command, e.g. "7 (os:suzuki)".
func cliActor(staff string) string {
	who := "uid " + strconv.Itoa(os.Getuid())
	if u, err := user.Current(); err == nil && u.Username != "" {
		who = u.Username
	}
	if staff == "" {
		return "os:" + who
	}
	return staff + " (os:" + who + ")"
}
