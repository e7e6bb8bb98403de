package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/uketsuke/uketsuke/assets"
)

// runLicences prints the licences of what the binary embeds.
func runLicences(_ context.Context, g *globals, args []string) error {
	if _, err := parseFlags(g, flag.NewFlagSet("licences", flag.ContinueOnError), args); err != nil {
		return err
	}
	fmt.Fprintln(g.stdout, "Noto Sans CJK JP (embedded font):")
	fmt.Fprintln(g.stdout, assets.FontLicence)
	return nil
}
