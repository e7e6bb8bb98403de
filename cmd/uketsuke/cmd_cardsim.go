package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/uketsuke/uketsuke/reader/cardsim"
)

// cardsimOptions are the flags of cardsim.
type cardsimOptions struct {
	persona     string
	host        string
	port        int
	removeAfter int
	delay       time.Duration
	garbage     bool
	notMyNumber bool
	token       string
}

func (o *cardsimOptions) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.persona, "persona", "", "persona file (TOML), e.g. reader/cardsim/personas/taro.toml")
	fs.StringVar(&o.host, "host", "127.0.0.1", "host of pcscd's vpcd driver")
	fs.IntVar(&o.port, "port", 35963, "vpcd port: 35963 is reader 'Virtual PCD 00 00', 35964 '… 00 01'")
	fs.IntVar(&o.removeAfter, "remove-after", 0, "pull the card after answering N APDUs (0: never)")
	fs.DurationVar(&o.delay, "apdu-delay", 0, "delay every answer, e.g. 10ms for a contactless card")
	fs.BoolVar(&o.garbage, "garbage", false, "answer every APDU with random bytes")
	fs.BoolVar(&o.notMyNumber, "not-my-number", false, "present as another kind of card (no JPKI application)")
	fs.StringVar(&o.token, "token", "", "present as a smartphone マイナ保険証: android or iphone (default: the persona's, a card)")
}

func runCardsim(ctx context.Context, g *globals, args []string) error {
	var o cardsimOptions
	args, err := parseCommand(g, "cardsim", args, o.addFlags)
	if err != nil {
		return err
	}
	if o.persona == "" || len(args) != 0 {
		return usageError{"--persona FILE is required"}
	}
	if o.token != "" && o.token != "android" && o.token != "iphone" && o.token != "card" {
		return usageError{"--token is android, iphone or card"}
	}
	p, err := cardsim.LoadPersona(o.persona)
	if err != nil {
		return err
	}
	p.NotMyNumber = p.NotMyNumber || o.notMyNumber
	if o.token != "" {
		p.Token = o.token
	}
	is, err := cardsim.NewIssuer()
	if err != nil {
		return err
	}
	card, err := is.Build(p)
	if err != nil {
		return err
	}
	addr := fmt.Sprintf("%s:%d", o.host, o.port)
	slot := cardsim.NewSlot(addr, card, g.log)
	f := cardsim.Faults{Delay: o.delay, Garbage: o.garbage}
	if o.removeAfter > 0 {
		f.RemoveAt = o.removeAfter + 1
	}
	slot.SetFaults(f)
	fmt.Fprintf(g.stderr, "virtual card of persona %q in vpcd %s; Ctrl-C to remove it\n", p.ID, addr)
	if err := slot.Run(ctx); !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
