package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/uketsuke/uketsuke/clinic"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/storage"
)

// queueOptions are the flags of queue.
type queueOptions struct {
	date  string
	json  bool
	staff string
}

func (o *queueOptions) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.date, "date", "", "business day, YYYY-MM-DD (default: today in Tokyo)")
	fs.BoolVar(&o.json, "json", false, "print JSON")
	fs.StringVar(&o.staff, "staff", "", "staff id recorded in the audit log, beside the OS user")
}

func runQueue(ctx context.Context, g *globals, args []string) error {
	var o queueOptions
	args, err := parseCommand(g, "queue", args, o.addFlags)
	if err != nil {
		return err
	}
	day := today()
	if o.date != "" {
		d, err := wareki.Parse(o.date)
		if err != nil {
			return usageError{"--date: " + err.Error()}
		}
		day = d.String()
	}
	if len(args) == 0 {
		return usageError{"want list, pending, call, done or cancel"}
	}
	s, err := openStore(g)
	if err != nil {
		return err
	}
	defer s.Close()
	switch args[0] {
	case "list":
		rows, err := s.List(ctx, day)
		if err != nil {
			return err
		}
		if o.json {
			// The same documented schema as the per-day JSON Lines export.
			out := make([]clinic.Record, len(rows))
			for i, r := range rows {
				out[i] = clinic.RecordOf(r)
			}
			enc := json.NewEncoder(g.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		}
		tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "NUMBER\tSTATUS\tPATH\tAUTH\tTIME\tCHECK\n")
		for _, r := range rows {
			check := ""
			if r.NameCheck {
				check = "name ●"
			}
			at, _ := time.Parse("2006-01-02T15:04:05.000Z", r.CreatedAt)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Number, r.Status, r.Path, r.Auth, at.In(wareki.Tokyo).Format("15:04"), check)
		}
		tw.Flush()
		fmt.Fprintf(g.stdout, "%d visits on %s\n", len(rows), day)
		return nil
	case "pending":
		pending, err := s.Pending(ctx)
		if err != nil {
			return err
		}
		for _, p := range pending {
			fmt.Fprintf(g.stdout, "%s %s  eligibility not yet confirmed (re-checked automatically when the terminal answers)\n", p.Day, p.Number)
		}
		fmt.Fprintf(g.stdout, "%d visits waiting for an eligibility answer\n", len(pending))
		return nil
	case "call", "done", "cancel":
		if len(args) != 2 {
			return usageError{"want " + args[0] + " NUMBER"}
		}
		status := map[string]string{"call": storage.StatusCalled, "done": storage.StatusDone, "cancel": storage.StatusCancelled}[args[0]]
		if err := s.SetStatus(ctx, day, args[1], status, cliActor(o.staff)); err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "%s %s\n", args[1], status)
		return nil
	}
	return usageError{fmt.Sprintf("unknown queue command %q", args[0])}
}
