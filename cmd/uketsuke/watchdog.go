package main

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"

	"github.com/uketsuke/uketsuke/internal/sdnotify"
)

// notifySystemd tells systemd the screen is up and then feeds the service
// watchdog from the UI loop: each WATCHDOG=1 is sent by a function the UI
// loop runs, so a frozen screen stops the feeding and systemd restarts the
// kiosk. Outside systemd it does nothing.
func notifySystemd(ctx context.Context, g *globals) {
	n, err := sdnotify.FromEnv(g.env)
	if errors.Is(err, sdnotify.ErrNoSocket) {
		return
	}
	if err != nil {
		g.log.Warn("systemd notification socket unusable", "err", err)
		return
	}
	send := func(msg string) {
		if err := n.Notify(msg); err != nil {
			g.log.Warn("systemd notification failed", "msg", msg, "err", err)
		}
	}
	fyne.Do(func() { send(sdnotify.Ready) })
	period, ok := sdnotify.WatchdogInterval(g.env)
	if !ok {
		return
	}
	every(ctx, period, func() { fyne.Do(func() { send(sdnotify.Watchdog) }) })
	send(sdnotify.Stopping)
}
