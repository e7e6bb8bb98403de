package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/uketsuke/uketsuke/app"
	"github.com/uketsuke/uketsuke/camera"
	"github.com/uketsuke/uketsuke/camera/cardfront/artwork"
	"github.com/uketsuke/uketsuke/camera/cardfront/photoset"
	"github.com/uketsuke/uketsuke/eligibility"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/reader/cardsim"
)

// demoCards puts the demo personas' virtual My Number cards into the
// vsmartcard-vpcd reader, one at a time, and points the demo camera at
// photos of the same person. It is app.Demo.
type demoCards struct {
	log      *slog.Logger
	addr     string
	issuer   *cardsim.Issuer
	personas map[string]*cardsim.Persona // by short name ("taro")
	names    []string
	sim      *eligibility.Sim // bound to the cards' certificates; may be nil
	cam      *camera.Switch
	cardCam  *camera.Switch                 // the card camera over the tray; nil: none
	fronts   map[string]*camera.StillSource // drawn card fronts, by persona id

	mu      sync.Mutex
	cards   map[string]*cardsim.Card
	current string
	slot    *cardsim.Slot
	stop    context.CancelFunc
	done    chan struct{}
}

var _ app.Demo = (*demoCards)(nil)

// newDemoCards loads the personas of dir.
func newDemoCards(dir, addr string, sim *eligibility.Sim, cam *camera.Switch, log *slog.Logger) (*demoCards, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.toml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("demo personas: no *.toml in %s (set demo.personas)", dir)
	}
	is, err := cardsim.NewIssuer()
	if err != nil {
		return nil, err
	}
	d := &demoCards{log: log, addr: addr, issuer: is, personas: map[string]*cardsim.Persona{}, sim: sim, cam: cam, cards: map[string]*cardsim.Card{}}
	for _, f := range files {
		p, err := cardsim.LoadPersona(f)
		if err != nil {
			return nil, err
		}
		sharedPhoto(p, os.Getenv("UKETSUKE_SHARED"))
		name := strings.TrimPrefix(p.ID, "demo-")
		d.personas[name] = p
		d.names = append(d.names, name)
	}
	slices.Sort(d.names)
	if i := slices.Index(d.names, "taro"); i > 0 { // the happy path first
		d.names[0], d.names[i] = d.names[i], d.names[0]
	}
	d.current = d.names[0]
	d.pointCamera(d.current)
	return d, nil
}

// sharedPhoto finds a persona's photo in the shared test data when the
// relative path does not resolve (a checkout that is not beside ../shared).
func sharedPhoto(p *cardsim.Persona, shared string) {
	photo := p.PhotoPath()
	if photo == "" || fileExists(photo) || shared == "" {
		return
	}
	if i := strings.Index(filepath.ToSlash(photo), "testdata/faces/"); i >= 0 {
		if alt := filepath.Join(shared, filepath.FromSlash(filepath.ToSlash(photo)[i:])); fileExists(alt) {
			p.Photo = alt
		}
	}
}

// Personas lists the demo patients.
func (d *demoCards) Personas() []string { return slices.Clone(d.names) }

// Persona is the one whose card is (or will be) on the reader.
func (d *demoCards) Persona() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.current
}

// Insert places a persona's card on the reader (taking off any other).
func (d *demoCards) Insert(name string) error {
	p, ok := d.personas[name]
	if !ok {
		return fmt.Errorf("demo: no persona %q", name)
	}
	d.Remove()
	d.mu.Lock()
	defer d.mu.Unlock()
	card, ok := d.cards[name]
	if !ok {
		var err error
		if card, err = d.issuer.Build(p); err != nil {
			return fmt.Errorf("demo card %s: %w", name, err)
		}
		d.cards[name] = card
		if d.sim != nil {
			d.sim.BindCard(p.ID, card.CertSerial())
		}
	}
	d.current = name
	d.pointCamera(name)
	d.pointCardCamera(name)
	ctx, cancel := context.WithCancel(context.Background())
	d.slot, d.stop, d.done = cardsim.NewSlot(d.addr, card, d.log), cancel, make(chan struct{})
	slot, done := d.slot, d.done
	go func() {
		defer close(done)
		if err := slot.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			d.log.Error("demo card slot", "err", err)
		}
	}()
	d.log.Info("demo card inserted", "persona", name)
	return nil
}

// Remove takes the card off the reader.
func (d *demoCards) Remove() error {
	d.mu.Lock()
	slot, stop, done := d.slot, d.stop, d.done
	d.slot, d.stop, d.done = nil, nil, nil
	d.mu.Unlock()
	if slot == nil {
		return nil
	}
	slot.Remove()
	stop()
	<-done
	d.log.Info("demo card removed")
	return nil
}

// ShowFace points the camera at another persona's photos.
func (d *demoCards) ShowFace(name string) error {
	if _, ok := d.personas[name]; !ok {
		return fmt.Errorf("demo: no persona %q", name)
	}
	d.pointCamera(name)
	d.log.Info("demo camera shows", "persona", name)
	return nil
}

// pointCamera shows the camera other photos of the persona's face than the
// one on the card (a real camera never sees the chip photo either).
func (d *demoCards) pointCamera(name string) {
	if d.cam == nil {
		return
	}
	p := d.personas[name]
	photo := p.PhotoPath()
	if photo == "" {
		d.cam.Set(nil)
		return
	}
	all, err := camera.ImageFiles(filepath.Dir(photo))
	if err != nil {
		d.cam.Set(nil)
		return
	}
	files := slices.DeleteFunc(all, func(f string) bool { return filepath.Clean(f) == filepath.Clean(photo) })
	if len(files) > 6 {
		files = files[:6]
	}
	src, err := camera.OpenFiles(files, 10)
	if err != nil {
		d.cam.Set(nil)
		return
	}
	d.cam.Set(src)
}

// pointCardCamera shows the card camera persona name's card front on the
// tray, drawn from the persona's data (with a lamp's glare for a persona
// that has it: its 照合番号B is then typed).
func (d *demoCards) pointCardCamera(name string) {
	if d.cardCam == nil {
		return
	}
	src, err := d.cardFront(d.personas[name])
	if err != nil {
		d.log.Warn("demo card front not drawn", "persona", name, "err", err)
		d.cardCam.Set(nil)
		return
	}
	d.cardCam.Set(src)
}

// cardFront draws a persona's card front as the tray's camera sees it.
func (d *demoCards) cardFront(p *cardsim.Persona) (camera.Source, error) {
	if p == nil {
		return nil, errors.New("no persona")
	}
	if src, ok := d.fronts[p.ID]; ok {
		return src, nil
	}
	birth, err := wareki.Parse(p.Birth)
	if err != nil {
		return nil, err
	}
	expiry, err := wareki.Parse(p.CardExpiry)
	if err != nil {
		return nil, err
	}
	h := artwork.Holder{Name: p.Name, Address: p.Address, Birth: birth, Expiry: expiry,
		Sex: map[string]string{"1": "男", "2": "女"}[p.Sex], SecurityCode: p.SecurityCode, Issuer: "千代田区長"}
	if photo := p.PhotoPath(); photo != "" {
		if data, err := os.ReadFile(photo); err == nil {
			h.Photo, _ = camera.DecodeImage(data)
		}
	}
	style := artwork.Style{PxPerMM: 12}
	if p.CardFrontGlare {
		style.Glare = 0.97
	}
	card, err := artwork.Front(h, style)
	if err != nil {
		return nil, err
	}
	frame, err := photoset.OnTray(card)
	if err != nil {
		return nil, err
	}
	defer frame.Close()
	src := camera.NewStillSource(frame, 10)
	if d.fronts == nil {
		d.fronts = map[string]*camera.StillSource{}
	}
	d.fronts[p.ID] = src
	return src, nil
}
