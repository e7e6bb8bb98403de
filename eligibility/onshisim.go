package eligibility

import (
	"context"
	"crypto/rand"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/uketsuke/uketsuke/internal/atomicfile"
	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// Simulator modes, read from DIR/sim/mode at every request.
const (
	ModeNormal    = "normal"    // answer at once
	ModeLate      = "late"      // answer after LateBy
	ModeNone      = "none"      // never answer
	ModeError     = "error"     // SegmentOfResult 9
	ModeHalves    = "halves"    // write the answer in two halves, 300 ms apart
	ModeDuplicate = "duplicate" // answer twice
	ModeGarbage   = "garbage"   // write bytes that are not XML
)

// OnshiSim plays the 資格確認端末 over a real folder: it consumes
// req/OQSsiquc01req_*.xml, answers in res/ (Shift_JIS) from the persona
// registry, and drops face/ results when asked (a file DIR/sim/face-<id>).
// Test and demo only.
type OnshiSim struct {
	Dir    string
	Sim    *Sim
	LateBy time.Duration // default 3s
	Log    *slog.Logger
}

// Run serves until ctx ends.
func (o *OnshiSim) Run(ctx context.Context) error {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for _, d := range []string{"req", "res", "face", "sim"} {
		if err := os.MkdirAll(filepath.Join(o.Dir, d), 0o755); err != nil {
			return err
		}
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		o.serveRequests(ctx, log)
		o.serveFaceCommands(log)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func (o *OnshiSim) mode() string {
	b, err := os.ReadFile(filepath.Join(o.Dir, "sim", "mode"))
	if err != nil {
		return ModeNormal
	}
	return strings.TrimSpace(string(b))
}

func (o *OnshiSim) serveRequests(ctx context.Context, log *slog.Logger) {
	matches, _ := filepath.Glob(filepath.Join(o.Dir, "req", "OQSsiquc01req_*.xml"))
	for _, req := range matches {
		b, err := os.ReadFile(req)
		os.Remove(req)
		if err != nil {
			continue
		}
		id := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(req), "OQSsiquc01req_"), ".xml")
		res := filepath.Join(o.Dir, "res", "OQSsiquc01res_"+id+".xml")
		answer := o.answer(ctx, b, id)
		mode := o.mode()
		log.Info("request", "file", filepath.Base(req), "mode", mode)
		go o.write(res, answer, mode)
	}
}

// answer builds the response for a request body (nil when the simulated
// terminal is down).
func (o *OnshiSim) answer(ctx context.Context, b []byte, id string) []byte {
	now := time.Now()
	r, err := ParseRequest(b)
	if err != nil {
		out, _ := ErrorResponse(id, "EQCS9001", "要求ファイルの形式が正しくありません", now).Marshal()
		return out
	}
	s := r.Body.Search
	birth, _ := wareki.ParseCompact(s.Birthdate)
	q := kiosk.NumbersQuery{Birth: birth, LimitConsent: s.LimitConsFlg == "1"}
	q.Card.Insurer, q.Card.Symbol, q.Card.Number, q.Card.Branch = insurance.InsurerNumber(s.InsurerNumber), s.InsuredCardSymbol, s.InsuredIdentificationNumber, s.InsuredBranchNumber
	res, err := o.Sim.Check(ctx, kiosk.EligibilityQuery{ByNumbers: &q})
	if err != nil {
		return nil // down: no answer at all
	}
	out, _ := NewResponse(res, r.Header.ArbitraryFileIdentifier, "2", now).Marshal()
	return out
}

func (o *OnshiSim) write(res string, answer []byte, mode string) {
	if answer == nil || mode == ModeNone {
		return
	}
	switch mode {
	case ModeLate:
		late := o.LateBy
		if late <= 0 {
			late = 3 * time.Second
		}
		time.Sleep(late)
	case ModeError:
		answer, _ = ErrorResponse("", "EQCS0002", "オンライン資格確認等システムで障害が発生しています", time.Now()).Marshal()
	case ModeGarbage:
		answer = make([]byte, 200)
		_, _ = rand.Read(answer)
	case ModeHalves:
		_ = os.WriteFile(res, answer[:len(answer)/2], 0o644)
		time.Sleep(300 * time.Millisecond)
		_ = os.WriteFile(res, answer, 0o644)
		return
	}
	_ = atomicfile.WriteFile(res, answer, 0o644)
	if mode == ModeDuplicate {
		time.Sleep(200 * time.Millisecond)
		_ = atomicfile.WriteFile(res, answer, 0o644)
	}
}

// serveFaceCommands writes a face/ result for every DIR/sim/face-<id> file,
// as a certified reader does after a patient's session.
func (o *OnshiSim) serveFaceCommands(log *slog.Logger) {
	cmds, _ := filepath.Glob(filepath.Join(o.Dir, "sim", "face-*"))
	for _, c := range cmds {
		os.Remove(c)
		id := strings.TrimPrefix(filepath.Base(c), "face-")
		p := o.Sim.persona(id)
		if p == nil {
			log.Warn("face command for an unknown persona", "id", id)
			continue
		}
		now := time.Now()
		r := NewResponse(p.result(), "", "1", now)
		for i := range r.Body.Results {
			x := &r.Body.Results[i]
			x.PharmacistsInfoConsFlg, x.DiagnosisInfoConsFlg, x.SpecificHealthCheckupsConsFlg, x.OperationInfoConsFlg = "1", "1", "1", "1"
		}
		out, _ := r.Marshal()
		name := "OQSsiquc01res_face_" + now.In(wareki.Tokyo).Format("20060102150405") + "_" + id + ".xml"
		_ = atomicfile.WriteFile(filepath.Join(o.Dir, "face", name), out, 0o644)
		log.Info("face result", "file", name)
	}
}

// persona finds a persona by id.
func (s *Sim) persona(id string) *SimPersona {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.personas {
		if s.personas[i].ID == id {
			p := s.personas[i]
			return &p
		}
	}
	return nil
}
