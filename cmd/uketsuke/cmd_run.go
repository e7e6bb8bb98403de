package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/uketsuke/uketsuke/app"
	"github.com/uketsuke/uketsuke/camera"
	"github.com/uketsuke/uketsuke/clinic"
	"github.com/uketsuke/uketsuke/eligibility"
	"github.com/uketsuke/uketsuke/internal/atomicfile"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosklink"
	"github.com/uketsuke/uketsuke/reader/pcscd"
	"github.com/uketsuke/uketsuke/storage"
)

type runOptions struct {
	demo, windowed, autopilot bool
	screenshots, uiMap        string
}

// runKiosk starts the full-screen kiosk. Without a display it starts its
// own Xvfb, and in demo mode walks demo patients through the whole flow
// (the autopilot), saving a screenshot of every screen.
func runKiosk(ctx context.Context, g *globals, args []string) error {
	var o runOptions
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.BoolVar(&o.demo, "demo", false, "demo mode: virtual card over pcscd, the camera from images (or a webcam), the eligibility simulator")
	fs.BoolVar(&o.windowed, "windowed", false, "a 1280×800 window instead of full screen")
	fs.BoolVar(&o.autopilot, "autopilot", false, "demo: walk the demo patients through every path, then exit (the default without a display)")
	fs.StringVar(&o.screenshots, "screenshots", "", "autopilot: where to save screenshots (default <data dir>/screenshots)")
	fs.StringVar(&o.uiMap, "ui-map", "", "write the screen's name and button positions to FILE as JSON (for xdotool tests)")
	args, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	if len(args) != 0 {
		return usageError{"run takes no arguments"}
	}
	if o.autopilot && !o.demo {
		return usageError{"--autopilot needs --demo"}
	}
	if g.env("DISPLAY") == "" && g.env("WAYLAND_DISPLAY") == "" {
		stop, display, err := startXvfb()
		if err != nil {
			return fmt.Errorf("no display, and Xvfb could not start: %w", err)
		}
		defer stop()
		fmt.Fprintf(g.stderr, "no display: running on a virtual screen (Xvfb %s)\n", display)
		if o.demo {
			o.autopilot = true
		}
	}
	dataDir, err := g.dataDir()
	if err != nil {
		return err
	}
	if o.demo {
		// The demo never touches the real store, the clinic system or the
		// export folder: its own data directory, no sync.
		dataDir = filepath.Join(dataDir, "demo")
		g.dataDirArg = dataDir
		g.cfg.Sync = SyncConfig{}
		fmt.Fprintf(g.stderr, "demo: data in %s (never the kiosk's own store); nothing is sent to the clinic system\n", dataDir)
	} else if g.cfg.Card.TrustTestCA {
		return configError{errors.New("[card] trust_test_ca trusts the virtual card's test keys: it is for tests and run --demo only, never with the kiosk's real store")}
	}
	st, err := openStore(g)
	if err != nil {
		return err
	}
	defer st.Close()
	if o.demo {
		if err := st.MarkDemo(ctx); err != nil {
			return err
		}
	} else if err := st.CheckNotDemo(ctx); err != nil {
		return fmt.Errorf("%w: a real kiosk refuses it; point data_dir at a new folder (demo data lives in <data dir>/demo)", err)
	}
	rctx, stopReplica := context.WithCancel(ctx)
	defer stopReplica()
	link, err := prepareKioskLink(g, dataDir)
	if err != nil {
		return err
	}
	startReplica(rctx, g, st, link)

	so := stationOptions{demo: o.demo}
	var demo *demoCards
	if o.demo {
		stopPCSCD, err := pcscd.Ensure(nil)
		if err != nil {
			return fmt.Errorf("demo: start pcscd: %w (install pcscd and vsmartcard-vpcd: make setup)", err)
		}
		defer stopPCSCD()
		sim, err := eligibility.LoadSim(g.cfg.Eligibility.SimPersonas)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		so.elig, so.readerMatch = sim, g.cfg.Demo.Reader
		cam := &camera.Switch{}
		if dev := g.cfg.Camera.Device; dev != "none" && (dev != "" || fileExists("/dev/video0")) {
			fmt.Fprintln(g.stderr, "demo: using the webcam; the demo personas' faces will not match yours — use the PIN")
		} else {
			so.source = cam
		}
		if err := st.AddStaff(ctx, demoStaffID, "デモ職員", demoStaffPIN, "demo"); err != nil && !errors.Is(err, storage.ErrStaffExists) {
			return fmt.Errorf("demo staff account: %w", err)
		}
		// The demo's card camera looks at the persona's card front on the
		// tray, drawn from the persona's data.
		cardCam := &camera.Switch{}
		so.cardSource = cardCam
		if demo, err = newDemoCards(g.cfg.Demo.Personas, g.cfg.Demo.VPCD, sim, cam, g.log); err != nil {
			return err
		}
		defer demo.Remove()
		demo.cardCam = cardCam
		demo.pointCardCamera(demo.current)
	}

	var sw, sh int
	if !o.windowed {
		sw, sh = fitScreen(g.log)
	}
	a := fyneapp.NewWithID("jp.uketsuke.kiosk")
	a.Settings().SetTheme(app.Theme())
	w := a.NewWindow("Uketsuke 受付")
	// The window is made at the screen's size. On Xwayland (cage) it is
	// not made full screen but one pixel short of the screen: cage shows
	// it at the top left without decorations all the same, and Xwayland
	// without a GPU (glamor) shows a window exactly the output's size
	// black. At scale 1 (1280×720, 1280×800, 1366×768) the window is then
	// never resized, which matters there too: a window resized after it
	// was made keeps being drawn into its first buffer, shifted and cut.
	// At other scales Fyne resizes it once it knows the scale; that case
	// is tested under Xvfb only.
	if sw > 0 {
		k := app.FitScale(sw, sh)
		if onXwayland() {
			sh--
		}
		w.Resize(fyne.NewSize(float32(sw)/k, float32(sh)/k))
	} else {
		w.Resize(fyne.NewSize(app.DesignWidth, app.DesignHeight))
	}
	w.SetFullScreen(!o.windowed && !onXwayland())
	w.SetPadded(false)

	pr := newPrinter(g.cfg)
	if o.demo && pr.clinic == "" {
		pr.clinic = demoClinic
	}
	if o.demo && !pr.enabled() {
		pr.dir = filepath.Join(dataDir, "prints")
		fmt.Fprintf(g.stderr, "demo: tickets and slips are printed as files into %s\n", pr.dir)
	}
	if o.demo {
		so.voiceDir = filepath.Join(dataDir, "voice")
	}
	if pr.enabled() {
		so.printer = pr
		so.faceTicket = func(t kiosk.Ticket) {
			if err := pr.PrintTicket(ctx, t); err != nil {
				g.log.Error("printing a face-reader ticket failed", "visit", t.VisitID, "err", err)
			}
		}
	}

	var ui *app.UI
	so.watch = func(v kiosk.View) { fyne.Do(func() { ui.Show(v) }) }
	s, err := newStation(g, st, so)
	if err != nil {
		return err
	}
	defer s.close()
	syncer, err := newSyncer(g, st)
	if err != nil {
		return err
	}
	dk := &desk{s: s, g: g, dataDir: dataDir}
	if syncer != nil {
		dk.sync = func(ctx context.Context, trigger string) (clinic.Report, error) {
			return lockedRun(ctx, g, syncer, trigger)
		}
	}
	deps := app.Deps{
		Post: func(ev kiosk.Event) {
			// The screen never waits for a stopped runner (the window may
			// outlive it by a moment at exit).
			if err := s.runner.Post(ctx, ev); err != nil {
				g.log.Debug("event after the runner stopped", "event", fmt.Sprintf("%T", ev))
			}
		},
		Staff:             dk,
		MinutesPerPatient: g.cfg.Reception.MinutesPerPatient, Log: g.log,
	}
	if pr.enabled() {
		deps.Printer = s.printer
	}
	if s.voice != nil {
		deps.Voice = s.voice
	}
	deps.ClinicName = g.cfg.Reception.ClinicName
	if o.demo && deps.ClinicName == "" {
		deps.ClinicName = demoClinic
	}
	if demo != nil {
		deps.Demo = demo
	}
	p := &pilot{win: w, demo: demo, out: g.stdout, voice: s.voice}
	if o.autopilot {
		deps.OnScreen = p.drew
	}
	deps.CardCamera = s.cardCamera
	ui = app.New(w, deps)
	p.ui = ui
	if s.front != nil {
		s.front.OnFrame = func(img image.Image, box image.Rectangle) {
			fyne.Do(func() { ui.ShowFace(app.FaceFrame{Image: img, Box: box}) })
		}
		s.front.OnHint = func(key string) {
			fyne.Do(func() { ui.ShowFace(app.FaceFrame{Hint: key}) })
		}
	}
	if s.verifier != nil {
		// At most 20 previews a second: the screen needs no more, and the
		// frames in between are never converted.
		s.verifier.PreviewInterval = 50 * time.Millisecond
		s.verifier.OnFrame = func(img image.Image, box image.Rectangle) {
			fyne.Do(func() { ui.ShowFace(app.FaceFrame{Image: img, Box: box}) })
		}
		s.verifier.OnGuidance = func(p camera.Problem) {
			key := app.GuideKey(int(p))
			fyne.Do(func() { ui.ShowFace(app.FaceFrame{Hint: key}) })
		}
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(5)
	go func() { defer wg.Done(); s.run(runCtx) }()
	go func() { defer wg.Done(); scheduleSync(runCtx, g, syncer, st) }()
	go func() { defer wg.Done(); pushSync(runCtx, g, syncer) }()
	go func() { defer wg.Done(); publishHourly(runCtx, g, st) }()
	wg.Add(1)
	go func() { defer wg.Done(); publishStatus(runCtx, g.log, st, dk) }()
	lk := newLinkKiosk(s, dk)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := kiosklink.Serve(runCtx, linkSocket(dataDir), g.cfg.KioskID, lk, g.log); err != nil {
			g.log.Error("the desk's link to this kiosk is off: 目視確認 only at the kiosk", "err", err)
		}
	}()
	if link != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := link.serve(runCtx, g, lk); err != nil {
				g.log.Error("the link for desks on other machines is off: 目視確認 at this kiosk or from a desk on its machine", "err", err)
			}
		}()
	}
	go func() { defer wg.Done(); every(runCtx, time.Second, func() { fyne.Do(ui.Tick) }) }()
	if o.uiMap != "" {
		wg.Add(1)
		go func() { defer wg.Done(); writeUIMap(runCtx, ui, o.uiMap, g) }()
	}
	var pilotErr error
	if o.autopilot {
		dir := o.screenshots
		if dir == "" {
			dir = filepath.Join(dataDir, "screenshots")
		}
		p.dir = dir
		wg.Add(1) // waited for before pilotErr is read
		go func() {
			defer wg.Done()
			pilotErr = p.run(runCtx)
			fyne.Do(a.Quit)
		}()
	}
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	wg.Add(1)
	go func() { defer wg.Done(); notifySystemd(runCtx, g) }()
	w.ShowAndRun()
	cancel()
	wg.Wait()
	if pilotErr != nil {
		return pilotErr
	}
	return ctx.Err()
}

// uiMap is what --ui-map writes: the screen, the canvas (in Fyne's
// units; × scale are pixels) and where its buttons are.
type uiMap struct {
	Screen  string       `json:"screen"`
	Width   float32      `json:"width"`
	Height  float32      `json:"height"`
	Scale   float32      `json:"scale"`
	Targets []app.Target `json:"targets"`
}

// writeUIMap keeps FILE up to date with the screen, for tests that click
// through a real window with xdotool.
func writeUIMap(ctx context.Context, ui *app.UI, path string, g *globals) {
	var last []byte
	every(ctx, 100*time.Millisecond, func() {
		var m uiMap
		done := make(chan struct{})
		fyne.Do(func() {
			c := ui.Canvas()
			m = uiMap{Screen: ui.Screen(), Width: c.Size().Width, Height: c.Size().Height, Scale: c.Scale(), Targets: ui.Targets()}
			close(done)
		})
		select {
		case <-done:
		case <-ctx.Done():
			return
		}
		b, _ := json.Marshal(m)
		if string(b) == string(last) {
			return
		}
		if err := atomicfile.WriteFile(path, b, 0o644); err != nil {
			g.log.Error("write ui map", "err", err)
			return
		}
		last = b
	})
}

// startXvfb starts a 1280×800 virtual screen on a free display number and
// sets DISPLAY for this process.
func startXvfb() (stop func(), display string, err error) {
	stop, display, err = launchXvfb(1280, 800)
	if err == nil {
		os.Setenv("DISPLAY", display)
	}
	return stop, display, err
}

// launchXvfb starts Xvfb (1280×800, no TCP) and lets it pick a free display
// number itself (-displayfd): it skips displays in use and clears a dead
// server's lock file, which a scan of /tmp cannot do safely. Xvfb dies
// with this process, even when it is killed.
func launchXvfb(width, height int) (stop func(), display string, err error) {
	bin, err := exec.LookPath("Xvfb")
	if err != nil {
		return nil, "", errors.New("Xvfb is not installed (apt-get install xvfb)")
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, "", fmt.Errorf("xvfb: %w", err)
	}
	defer r.Close()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", width, height), "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	cmd.Stderr = &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, "", fmt.Errorf("xvfb: %w", err)
	}
	w.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Terminated, Xvfb removes its socket and lock file; killed, it
	// would leave them behind.
	stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	// Xvfb writes the display number once it accepts connections.
	number := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		number <- strings.TrimSpace(line)
	}()
	select {
	case n := <-number:
		if _, err := strconv.Atoi(n); err != nil {
			stop()
			return nil, "", fmt.Errorf("xvfb gave no display number: %s", lastLine(logs.String()))
		}
		return stop, ":" + n, nil
	case <-time.After(15 * time.Second):
		stop()
		return nil, "", fmt.Errorf("xvfb did not start in 15 s: %s", lastLine(logs.String()))
	}
}

// lastLine is the last non-empty line of s, for error messages.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
