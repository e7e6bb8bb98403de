package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/uketsuke/uketsuke/camera"
)

// faceOptions are the flags of face.
type faceOptions struct {
	dataset string
	models  string
	json    bool
}

func (o *faceOptions) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.dataset, "dataset", "", "folder with images and labels.csv (path,identity)")
	fs.StringVar(&o.models, "models", ".build/models", "folder with the detector and recogniser models")
	fs.BoolVar(&o.json, "json", false, "print one JSON object")
}

func runFace(_ context.Context, g *globals, args []string) error {
	var o faceOptions
	args, err := parseCommand(g, "face", args, o.addFlags)
	if err != nil {
		return err
	}
	if len(args) != 1 || args[0] != "eval" || o.dataset == "" {
		return usageError{"want: face eval --dataset DIR"}
	}
	samples, err := camera.ReadLabels(o.dataset)
	if err != nil {
		return err
	}
	e, err := camera.NewEngine(o.models)
	if err != nil {
		return err
	}
	defer e.Close()
	rep, err := e.Evaluate(samples)
	if err != nil {
		return err
	}
	if o.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	w := g.stdout
	fmt.Fprintf(w, "%d images of %d people, %d faces described; %d genuine and %d impostor pairs (live vs live)\n\n",
		rep.Images, rep.Identities, rep.Detected, rep.GenuinePairs, rep.ImpostorPairs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MODE\tEER\tTAR@FAR1e-3\tTAR@FAR1e-4\tTHRESHOLD (L2)\tGENUINE\tIMPOSTOR")
	for _, m := range []struct {
		name string
		r    camera.ModeReport
	}{{"live vs live", rep.Live}, {"card-like vs live", rep.Card}} {
		fmt.Fprintf(tw, "%s\t%.2f%%\t%.1f%%\t%.1f%%\t%.3f\t%d\t%d\n", m.name, 100*m.r.EER, 100*m.r.TAR1e3, 100*m.r.TAR1e4, m.r.Threshold, m.r.Genuine, m.r.Impostor)
	}
	tw.Flush()
	s := rep.Split
	fmt.Fprintf(w, "\nHeld out (%d identities; thresholds chosen on the other %d at FAR 1e-3):\n", len(s.TestIdentities), len(s.TrainIdentities))
	fmt.Fprintf(w, "  live: threshold %.3f → TAR %.1f%%, FAR %.2f%%\n  card: threshold %.3f → TAR %.1f%%, FAR %.2f%%\n",
		s.LiveThreshold, 100*s.LiveTAR, 100*s.LiveFAR, s.CardThreshold, 100*s.CardTAR, 100*s.CardFAR)
	fmt.Fprintf(w, "\nTime (ms): detect p50 %.1f, describe p50 %.1f, one frame to a decision p95 %.1f\n",
		rep.MS.DetectP50, rep.MS.EmbedP50, rep.MS.DecisionP95)
	return nil
}
