package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/uketsuke/uketsuke/eligibility"
)

func runOnshiSim(ctx context.Context, g *globals, args []string) error {
	fs := flag.NewFlagSet("onshi-sim", flag.ContinueOnError)
	dir := fs.String("dir", "", "the shared folder (req/, res/, face/ are created)")
	personas := fs.String("personas", "", "persona registry (TOML)")
	late := fs.Duration("late", 3*time.Second, "delay of the \"late\" mode")
	args, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	if *dir == "" || *personas == "" || len(args) != 0 {
		return usageError{"--dir and --personas are required"}
	}
	sim, err := eligibility.LoadSim(*personas)
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stderr, "simulated 資格確認端末 serving %s; modes: normal late none error halves duplicate garbage\n", *dir)
	err = (&eligibility.OnshiSim{Dir: *dir, Sim: sim, LateBy: *late, Log: g.log}).Run(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
