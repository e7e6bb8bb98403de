package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/uketsuke/uketsuke/voice"
)

// runVoice is `uketsuke voice render --out DIR`: every spoken line as a
// WAV file, Japanese and English.
func runVoice(ctx context.Context, g *globals, args []string) error {
	var out string
	args, err := parseCommand(g, "voice", args, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "the folder to write <catalog key>.<ja|en>.wav into")
	})
	if err != nil {
		return err
	}
	if len(args) != 1 || args[0] != "render" || out == "" {
		return usageError{"want render --out DIR"}
	}
	s := voice.Synth{Speed: g.cfg.Voice.Speed}
	if err := s.Check(); err != nil {
		return err
	}
	files, err := s.RenderAll(ctx, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "wrote %d spoken lines (%d in each language) to %s\n", len(files), len(files)/2, out)
	return nil
}
