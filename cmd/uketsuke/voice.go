package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/uketsuke/uketsuke/catalog"
	"github.com/uketsuke/uketsuke/voice"
)

// procPCM is the kernel's list of sound devices (a variable for tests).
var procPCM = voice.ProcPCM

// soundOut is where the kiosk's voice goes: a sound device, or (the demo
// on a machine without one) files.
type soundOut struct {
	devices []string // the playback devices found
	custom  bool     // a player of the clinic's own: no device is looked for
	err     error
}

// findSound looks for somewhere to play.
func findSound(vc VoiceConfig) soundOut {
	if len(vc.Player) > 0 && !slices.Equal(vc.Player, voice.DefaultPlayer) {
		return soundOut{custom: true}
	}
	devs, err := voice.Playback(procPCM)
	return soundOut{devices: devs, err: err}
}

// describe is one line for logs, health and doctor.
func (o soundOut) describe(vc VoiceConfig) string {
	switch {
	case o.custom:
		return "lines played by " + strings.Join(vc.Player, " ")
	case len(o.devices) > 0:
		return "sound device " + strings.Join(o.devices, ", ")
	case o.err != nil:
		return "no sound device (" + o.err.Error() + ")"
	}
	return "no sound device (" + procPCM + " lists none)"
}

// openVoice sets up the voice guide and synthesises its lines in the
// background. Without a synthesiser or a sound device it returns nil
// (the kiosk is silent, with a health warning); demoDir, when set, takes
// the lines instead of a missing sound device.
func (s *station) openVoice(g *globals, demoDir string) *voice.Speaker {
	s.health.register("voice")
	vc := g.cfg.Voice
	sp := &voice.Speaker{Synth: voice.Synth{Speed: vc.Speed}, Player: vc.Player, Volume: vc.Volume, StartOff: !vc.on(), Log: g.log}
	if err := sp.Synth.Check(); err != nil {
		s.health.warn("voice", "off: "+err.Error())
		g.log.Warn("voice guidance off: no synthesiser", "err", err)
		return nil
	}
	out := findSound(vc)
	state := out.describe(vc)
	switch {
	case out.custom || len(out.devices) > 0:
		s.health.set("voice", true, state)
	case demoDir != "":
		sp.Dir = demoDir
		s.health.warn("voice", state+": lines written to "+demoDir)
	default:
		s.health.warn("voice", "off: "+state)
		g.log.Warn("voice guidance off: no sound device", "detail", state)
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cleanup = append(s.cleanup, cancel)
	go prepareVoice(ctx, g.log, sp)
	return sp
}

// prepareVoice synthesises every line ahead; a line wanted before it is
// ready is synthesised on its own.
func prepareVoice(ctx context.Context, log *slog.Logger, sp *voice.Speaker) {
	start := time.Now()
	if err := sp.Prepare(ctx); err != nil {
		log.Warn("voice: lines not synthesised ahead", "err", err)
		return
	}
	log.Info("voice: lines ready", "lines", len(voice.Lines()), "took", time.Since(start).Round(time.Millisecond))
}

// checkVoice is doctor's check of the voice guide.
func checkVoice(ctx context.Context, g *globals) checkResult {
	vc := g.cfg.Voice
	synth := voice.Synth{Speed: vc.Speed}
	if err := synth.Check(); err != nil {
		return warn("no voice guidance: "+err.Error(), "install the voice packages (the Japanese voice is in contrib)")
	}
	if _, err := synth.Render(ctx, catalog.Ja, "テスト"); err != nil {
		return warn("the synthesiser fails: "+err.Error(), "reinstall open-jtalk and its dictionary")
	}
	out := findSound(vc)
	state := out.describe(vc)
	if !out.custom && len(out.devices) == 0 {
		return warn(state+": the kiosk is silent", "connect speakers (aplay -l lists the sound cards) and put the service user in the audio group")
	}
	on := "patients start with the voice on"
	if !vc.on() {
		on = "patients start with the voice off ([voice] on = false)"
	}
	return ok(fmt.Sprintf("%s; %s", state, on))
}
