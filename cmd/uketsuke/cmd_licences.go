package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/uketsuke/uketsuke/assets"
)

func newLicencesCommand() *command {
	return &command{
		name:    "licences",
		summary: "the licences of what the binary embeds (Noto Sans CJK JP: SIL Open Font License 1.1)",
		run: func(_ context.Context, g *globals, args []string) error {
			if _, err := parseFlags(g, flag.NewFlagSet("licences", flag.ContinueOnError), args); err != nil {
				return err
			}
			fmt.Fprintln(g.stdout, "Noto Sans CJK JP (embedded font):")
			fmt.Fprintln(g.stdout, assets.FontLicence)
			return nil
		},
	}
}
