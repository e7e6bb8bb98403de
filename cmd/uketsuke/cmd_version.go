package main

import (
	"context"
	"flag"
	"fmt"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// revision is the commit, set at build time where the Go tool does not
// stamp it (builds with -buildvcs=false or outside a checkout).
var revision = ""

func runVersion(_ context.Context, g *globals, args []string) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	args, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	rev, goVersion := revision, "unknown"
	if rev == "" {
		rev = "unknown"
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && revision == "" {
				rev = s.Value
			}
		}
	}
	fmt.Fprintf(g.stdout, "uketsuke %s (revision %s, %s)\n", version, rev, goVersion)
	src := g.cfg.source
	if src == "" {
		src = "none (embedded defaults)"
	}
	dir, err := g.dataDir()
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "config:   %s\ndata dir: %s\n", src, dir)
	return nil
}
