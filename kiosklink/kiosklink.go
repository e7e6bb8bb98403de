// Package kiosklink is the link between a running kiosk and the desk
// console on the same machine: over a Unix socket that only the kiosk's
// user can open, the desk reads the session in progress (no personal
// data), fetches the chip photo for 目視確認 (held in memory on both sides,
// never written) and confirms the card holder.
package kiosklink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
)

// Kiosk is the running kiosk as the link serves it.
type Kiosk interface {
	View() kiosk.View
	HasPhoto() bool
	// Photo returns the chip photo for staff's 目視確認 (audited by the
	// kiosk with staff's ID), or nil.
	Photo(staff string) image.Image
	Post(ctx context.Context, ev kiosk.Event) error
}

// Session is the kiosk's session as the desk sees it.
type Session struct {
	KioskID    string `json:"kiosk_id"`
	State      string `json:"state"`
	Handover   string `json:"handover"`
	CanConfirm bool   `json:"can_confirm"` // 目視確認 possible now
	Photo      bool   `json:"photo"`       // the chip photo is at hand
}

// ErrNoPhoto is a session without a chip photo.
var ErrNoPhoto = errors.New("no chip photo in this session")

// Serve serves the link on the Unix socket at path (0600, in a 0700
// folder) until ctx ends.
func Serve(ctx context.Context, path, kioskID string, k Kiosk, log *slog.Logger) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	_ = os.Remove(path) // a socket left by a kiosk that died
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("kiosk link: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /session", func(w http.ResponseWriter, r *http.Request) {
		v := k.View()
		s := Session{KioskID: kioskID, State: v.State.String(), CanConfirm: v.CanConfirm, Photo: v.CanConfirm && k.HasPhoto()}
		if v.State == kiosk.StateStaff {
			s.Handover = v.Handover.String()
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s)
	})
	mux.HandleFunc("GET /photo", func(w http.ResponseWriter, r *http.Request) {
		staff := r.URL.Query().Get("staff")
		if staff == "" || !k.View().CanConfirm {
			http.NotFound(w, r)
			return
		}
		img := k.Photo(staff)
		if img == nil {
			http.NotFound(w, r)
			return
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "image/jpeg")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(b.Bytes())
		clear(b.Bytes())
	})
	mux.HandleFunc("POST /confirm", func(w http.ResponseWriter, r *http.Request) {
		staff := r.URL.Query().Get("staff")
		if staff == "" || !k.View().CanConfirm {
			http.Error(w, "目視確認はいまはできません", http.StatusConflict)
			return
		}
		if err := k.Post(r.Context(), kiosk.StaffConfirm{Staff: kiosk.StaffID(staff)}); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		log.Info("kiosk link: 目視確認 from the desk", "staff", staff)
		w.WriteHeader(http.StatusNoContent)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { <-ctx.Done(); _ = srv.Close(); _ = os.Remove(path) }()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("kiosk link: %w", err)
	}
	return nil
}

// Client is the desk's end of the link.
type Client struct {
	Path string // the kiosk's socket
	c    *http.Client
}

func (c *Client) http() *http.Client {
	if c.c == nil {
		c.c = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "unix", c.Path)
			},
		}}
	}
	return c.c
}

func (c *Client) do(ctx context.Context, method, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://kiosk"+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return nil, fmt.Errorf("kiosk link: the kiosk does not answer: %w", err)
	}
	return resp, nil
}

// Session is the kiosk's session in progress.
func (c *Client) Session(ctx context.Context) (Session, error) {
	resp, err := c.do(ctx, "GET", "/session")
	if err != nil {
		return Session{}, err
	}
	defer resp.Body.Close()
	var s Session
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&s); err != nil {
		return Session{}, fmt.Errorf("kiosk link: %w", err)
	}
	return s, nil
}

// Photo is the chip photo as JPEG, for staff (the kiosk audits the view).
func (c *Client) Photo(ctx context.Context, staff string) ([]byte, error) {
	resp, err := c.do(ctx, "GET", "/photo?staff="+url.QueryEscape(staff))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, ErrNoPhoto
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("kiosk link: photo: %s", resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 4<<20))
}

// Confirm tells the kiosk that staff confirmed the card holder by sight.
func (c *Client) Confirm(ctx context.Context, staff string) error {
	resp, err := c.do(ctx, "POST", "/confirm?staff="+url.QueryEscape(staff))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("kiosk link: confirm: %s %s", resp.Status, bytes.TrimSpace(b))
	}
	return nil
}
