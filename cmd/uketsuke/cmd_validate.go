package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/uketsuke/uketsuke/kiosk/insurance"
)

func runValidate(_ context.Context, g *globals, args []string) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	args, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	if len(args) != 2 {
		return usageError{"want a kind and a number"}
	}
	parse := map[string]func(string) error{
		"insurer": func(s string) error { _, err := insurance.ParseInsurer(s); return err },
		"kohi":    func(s string) error { _, err := insurance.ParseKohi(s); return err },
		"jukyu":   func(s string) error { _, err := insurance.ParseJukyu(s); return err },
	}[args[0]]
	if parse == nil {
		return usageError{fmt.Sprintf("unknown kind %q", args[0])}
	}
	if err := parse(args[1]); err != nil {
		return exitError{1, "invalid: " + err.Error()}
	}
	fmt.Fprintln(g.stdout, "valid")
	return nil
}
