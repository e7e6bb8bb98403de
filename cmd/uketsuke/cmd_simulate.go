package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/sim"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/storage"
)

// simulateOptions are the flags of simulate.
type simulateOptions struct {
	patients int
	seed     uint64
	date     string
	pace     time.Duration
	settle   time.Duration
}

func (o *simulateOptions) addFlags(fs *flag.FlagSet) {
	fs.IntVar(&o.patients, "patients", 20, "number of patients")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed; the same seed gives the same table")
	fs.StringVar(&o.date, "date", "", "business day to simulate, YYYY-MM-DD (default: today in Tokyo); the date rules follow it")
	fs.DurationVar(&o.pace, "pace", 0, "with --data-dir: wait this long after each check-in, as a kiosk in use does")
	fs.DurationVar(&o.settle, "settle", 60*time.Second, "with --data-dir and [queue] backend = \"postgres\": wait at most this long at the end for every visit to reach the site queue")
}

func runSimulate(ctx context.Context, g *globals, args []string) error {
	var o simulateOptions
	args, err := parseCommand(g, "simulate", args, o.addFlags)
	if err != nil {
		return err
	}
	if len(args) != 0 {
		return usageError{"unexpected arguments: " + strings.Join(args, " ")}
	}
	return simulate(ctx, g, o)
}

func simulate(ctx context.Context, g *globals, o simulateOptions) error {
	if o.patients < 1 || o.patients > 100_000 {
		return usageError{fmt.Sprintf("--patients %d: must be 1 to 100000", o.patients)}
	}
	day := wareki.Today(time.Now())
	if o.date != "" {
		d, err := wareki.Parse(o.date)
		if err != nil {
			return usageError{fmt.Sprintf("--date: %v", err)}
		}
		day = d
	}
	kc, _ := g.cfg.kioskConfig() // validated with the config
	start := day.Time().Add(8*time.Hour + 30*time.Minute)
	opts := sim.Options{Patients: o.patients, Seed: o.seed, Start: start, Prefix: g.cfg.Reception.NumberPrefix, Config: kc}
	if g.dataDirArg != "" { // --data-dir: record into the real store there
		s, err := openStore(g)
		if err != nil {
			return err
		}
		defer s.Close()
		opts.Store, opts.Audit = s, s
		if o.pace > 0 || g.cfg.Queue.site() {
			// One simulation replayed after a crash registers each
			// patient once: the nth check-in of a seed and day is keyed.
			opts.Store = &pacedStore{Store: s, pace: o.pace, key: fmt.Sprintf("simulate:%s:%d", day, o.seed)}
		}
		rctx, stopReplica := context.WithCancel(ctx)
		defer stopReplica()
		if startReplica(rctx, g, s, nil) != nil {
			defer func() {
				n, err := settleReplica(ctx, s, o.settle)
				switch {
				case err != nil:
					g.log.Error("site queue: waiting for the push failed", "err", err)
				case n > 0:
					fmt.Fprintf(g.stdout, "%d visits are not in the site queue yet; they go when PostgreSQL answers (the kiosk keeps them)\n", n)
				default:
					fmt.Fprintln(g.stdout, "Every visit is in the site queue.")
				}
			}()
		}
		defer fmt.Fprintf(g.stdout, "Recorded in %s — try: uketsuke queue list --data-dir %s --date %s\n", s.Path(), g.dataDirArg, day)
	}
	began := time.Now()
	res, err := sim.Run(ctx, opts)
	if err != nil {
		return err
	}
	printSimulation(g.stdout, res.Rows, day, time.Since(began))
	g.log.Info("simulation done", "patients", len(res.Rows), "audit_rows", len(res.Audit))
	return nil
}

func printSimulation(w io.Writer, rows []sim.Row, day wareki.Date, wall time.Duration) {
	fmt.Fprintf(w, "Simulated reception on %s (%s), %d patients\n\n", day, day.Wareki(), len(rows))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tARRIVED\tPATIENT KIND\tPATH\tAUTH\tOUTCOME\tSTAFF\tTIME")
	var ticketTimes []time.Duration
	outcomes := map[string]int{}
	staff := 0
	for i, r := range rows {
		st := r.Staff
		if st == "" {
			st = "-"
		} else {
			staff++
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", i+1, r.Arrived.In(wareki.Tokyo).Format("01-02 15:04"),
			r.Kind, r.Path, r.Auth, r.Outcome, st, r.Duration.Round(time.Second))
		key, _, _ := strings.Cut(r.Outcome, " 0")
		if strings.HasPrefix(r.Outcome, "ticket") {
			key = "ticket"
			if strings.HasSuffix(r.Outcome, "(pending)") {
				key = "ticket (eligibility pending)"
			}
			ticketTimes = append(ticketTimes, r.Duration)
		}
		outcomes[key]++
	}
	tw.Flush()
	keys := make([]string, 0, len(outcomes))
	for k := range outcomes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, outcomes[k])
	}
	fmt.Fprintf(w, "\nOutcomes: %s. Staff needed for %d.\n", strings.Join(parts, "; "), staff)
	if len(ticketTimes) > 0 {
		slices.Sort(ticketTimes)
		fmt.Fprintf(w, "Time at the kiosk to a ticket (simulated): median %s, p90 %s, max %s.\n",
			ticketTimes[len(ticketTimes)/2].Round(time.Second),
			ticketTimes[len(ticketTimes)*9/10].Round(time.Second),
			ticketTimes[len(ticketTimes)-1].Round(time.Second))
	}
	fmt.Fprintf(w, "Computed in %s.\n", wall.Round(time.Microsecond))
}

// pacedStore registers like the kiosk's store, keyed by the check-in's
// place in the simulation, and waits pace after each.
type pacedStore struct {
	*storage.Store
	pace time.Duration
	key  string
	n    int
}

func (p *pacedStore) Register(ctx context.Context, v kiosk.Visit) (kiosk.Ticket, error) {
	p.n++
	if v.SourceKey == "" {
		v.SourceKey = fmt.Sprintf("%s:%d", p.key, p.n)
	}
	t, err := p.Store.Register(ctx, v)
	if err == nil && p.pace > 0 {
		time.Sleep(p.pace)
	}
	return t, err
}
