// Package kiosklink is the link between a running kiosk and the desk
// console: over a Unix socket that only the kiosk's user can open (a desk
// on the kiosk's machine), or over mutually authenticated TLS (a desk on
// another machine of the site), the desk reads the session in progress (no
// personal data), fetches the chip photo for 目視確認 (held in memory on
// both sides, never written) and confirms the card holder.
package kiosklink

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	stdlog "log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/uketsuke/uketsuke/internal/selfsigned"
	"github.com/uketsuke/uketsuke/kiosk"
)

// Kiosk is the running kiosk as the link serves it.
type Kiosk interface {
	View() kiosk.View
	// PhotoID names the session's chip photo without showing it (a keyed
	// digest, "" for no photo): a confirmation is for the photo staff saw.
	PhotoID() string
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
	// PhotoID names the chip photo at hand for 目視確認 ("" for none).
	PhotoID string `json:"photo_id,omitempty"`
}

// Photo reports whether the chip photo is at hand for 目視確認.
func (s Session) Photo() bool { return s.PhotoID != "" }

// ErrNoPhoto is a session without a chip photo.
var ErrNoPhoto = errors.New("no chip photo in this session")

// Handler serves the link's requests for the kiosk k.
func Handler(kioskID string, k Kiosk, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /session", func(w http.ResponseWriter, r *http.Request) {
		v := k.View()
		s := Session{KioskID: kioskID, State: v.State.String(), CanConfirm: v.CanConfirm}
		if v.CanConfirm {
			s.PhotoID = k.PhotoID()
		}
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
		if id := r.URL.Query().Get("photo"); id != "" && id != k.PhotoID() {
			log.Warn("kiosk link: 目視確認 refused: the card on the reader is not the one whose photo staff saw", "staff", staff)
			http.Error(w, "受付機のカードが替わりました", http.StatusConflict)
			return
		}
		if err := k.Post(r.Context(), kiosk.StaffConfirm{Staff: kiosk.StaffID(staff)}); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		log.Info("kiosk link: 目視確認 from the desk", "staff", staff)
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

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
	defer os.Remove(path)
	return serve(ctx, ln, Handler(kioskID, k, log))
}

// ServeTLS serves the link to desks on other machines at addr until ctx
// ends, over TLS 1.3 with cert, to a desk whose client certificate's
// fingerprint desk accepts (checked at every handshake).
func ServeTLS(ctx context.Context, addr string, cert tls.Certificate, desk func(ctx context.Context, fingerprint string) error, kioskID string, k Kiosk, log *slog.Logger) error {
	cfg := &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAnyClientCert,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("kiosk link: no client certificate")
			}
			fp := selfsigned.Fingerprint(cs.PeerCertificates[0].Raw)
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if err := desk(cctx, fp); err != nil {
				log.Warn("kiosk link: a desk refused", "fingerprint", fp, "err", err)
				return err
			}
			return nil
		},
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("kiosk link: %w", err)
	}
	return serve(ctx, tls.NewListener(ln, cfg), Handler(kioskID, k, log))
}

func serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ErrorLog: stdlog.New(io.Discard, "", 0)}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("kiosk link: %w", err)
	}
	return nil
}

// Client is the desk's end of the link: the kiosk's Unix socket at Path
// on this machine, or the kiosk at Addr over TLS.
type Client struct {
	Path string      // the kiosk's socket
	Addr string      // host:port of a kiosk on another machine
	TLS  *tls.Config // for Addr: Pinned
	once sync.Once
	c    *http.Client
}

// Pinned is the TLS configuration of a desk with its client certificate
// cert, for the kiosk whose certificate has the given fingerprint (as the
// kiosk registered it): any other server is refused.
func Pinned(cert tls.Certificate, fingerprint string) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		// The chain is not checked against a CA: the kiosk's certificate is
		// self-signed and pinned by its fingerprint below.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 || selfsigned.Fingerprint(cs.PeerCertificates[0].Raw) != fingerprint {
				return ErrNotTheKiosk
			}
			return nil
		},
	}
}

// ErrNotTheKiosk: the server's certificate is not the one the kiosk
// registered.
var ErrNotTheKiosk = errors.New("kiosk link: the server's certificate is not the kiosk's")

func (c *Client) http() *http.Client {
	c.once.Do(func() {
		tr := &http.Transport{MaxIdleConnsPerHost: 2, IdleConnTimeout: time.Minute, TLSHandshakeTimeout: 5 * time.Second}
		if c.Path != "" {
			tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "unix", c.Path)
			}
		} else {
			tr.TLSClientConfig = c.TLS
		}
		c.c = &http.Client{Timeout: 10 * time.Second, Transport: tr}
	})
	return c.c
}

func (c *Client) base() string {
	if c.Path != "" {
		return "http://kiosk"
	}
	return "https://" + c.Addr
}

func (c *Client) do(ctx context.Context, method, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base()+path, nil)
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

// Confirm tells the kiosk that staff confirmed the card holder by sight,
// comparing the chip photo photoID (Session.PhotoID; "" when staff
// compared the card itself): the kiosk refuses when its card changed.
func (c *Client) Confirm(ctx context.Context, staff, photoID string) error {
	resp, err := c.do(ctx, "POST", "/confirm?"+url.Values{"staff": {staff}, "photo": {photoID}}.Encode())
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
