package clinic

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/storage"
)

// Syncer hands the outbox's visit events to the clinic system: each
// reception to ORCA exactly once (a cancellation too), and the days they
// belong to as files. Either target may be absent. One Syncer runs at a
// time per store (the caller holds the lock).
type Syncer struct {
	Store  *storage.Store
	ORCA   *ORCA          // nil: no ORCA
	Visit  ReceptionCodes // 診療科, 医師 … for every reception
	Export *ExportOptions // nil: no file export
	Log    *slog.Logger
	Clock  kiosk.Clock // default the system's
}

// ReceptionCodes are the clinic's codes sent with every reception.
type ReceptionCodes struct {
	Department, Physician, Medical, InsuranceCombo string
}

// Report is what one run did, for the audit log and the staff screen.
type Report struct {
	Sent, Cancelled, Failed, Parked, Waiting int
	Exported                                 []string // files written
	Errors                                   []string // the distinct reasons, ORCA's words kept
}

// String is the one-line summary.
func (r Report) String() string {
	s := fmt.Sprintf("sent %d, cancelled %d, failed %d, parked %d, waiting for eligibility %d, files %d",
		r.Sent, r.Cancelled, r.Failed, r.Parked, r.Waiting, len(r.Exported))
	if len(r.Errors) > 0 {
		s += "; " + strings.Join(r.Errors, "; ")
	}
	return s
}

// ReportFailed reports whether a stored run report (String's output) says
// that something failed.
func ReportFailed(report string) bool { return !strings.Contains(report, "failed 0,") }

func (r *Report) fail(reason string) {
	r.Failed++
	if !slices.Contains(r.Errors, reason) && len(r.Errors) < 5 {
		r.Errors = append(r.Errors, reason)
	}
}

// Run sends everything that is due, then exports the days touched (and
// today). trigger says who started it (schedule, catch-up, manual, staff).
func (y *Syncer) Run(ctx context.Context, trigger string) (Report, error) {
	var rep Report
	if y.Clock == nil {
		y.Clock = kiosk.SystemClock{}
	}
	if y.Log == nil {
		y.Log = slog.New(slog.DiscardHandler)
	}
	id, err := y.Store.StartRun(ctx, trigger)
	if err != nil {
		return rep, err
	}
	days := map[string]bool{wareki.Today(y.Clock.Now()).String(): true}
	blocked := map[string]bool{} // visits whose reception failed this run: their cancel waits
	seen := map[string]bool{}
	for ctx.Err() == nil {
		events, err := y.Store.Due(ctx, y.Clock.Now(), 200)
		if err != nil {
			return rep, err
		}
		progress := false
		for _, ev := range events {
			if seen[ev.Key] {
				continue
			}
			seen[ev.Key], progress = true, true
			days[ev.Visit.BusinessDay] = true
			if err := y.event(ctx, ev, blocked, &rep); err != nil {
				return rep, err // the store failed: stop, nothing is lost
			}
		}
		if !progress {
			break
		}
	}
	if y.Export != nil {
		for _, day := range slices.Sorted(maps.Keys(days)) {
			visits, err := y.Store.List(ctx, day)
			if err != nil {
				return rep, err
			}
			files, err := ExportDay(day, visits, *y.Export)
			rep.Exported = append(rep.Exported, files...)
			if err != nil {
				rep.fail(err.Error())
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	return rep, y.Store.FinishRun(ctx, id, rep.String())
}

// event sends one outbox event. Only a store error is returned; a failure
// of the far side is recorded on the event (backoff, then parked).
func (y *Syncer) event(ctx context.Context, ev storage.Event, blocked map[string]bool, rep *Report) error {
	if y.ORCA == nil || ev.Event == "corrected" {
		// Files carry every change of the day; ORCA needs no correction.
		return y.Store.MarkSynced(ctx, ev.Key, y.Clock.Now())
	}
	var err error
	switch ev.Event {
	case "created":
		err = y.created(ctx, ev, rep)
	case "cancelled":
		if blocked[ev.VisitID] {
			return nil // its reception is not there yet; try again next run
		}
		err = y.cancelled(ctx, ev, rep)
	}
	var se *storeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return se.err
	case errors.Is(err, errWaiting):
		rep.Waiting++
		blocked[ev.VisitID] = true
		return nil
	case errors.Is(err, errNotYet):
		return nil // it goes after its reception, in a later run
	}
	if ev.Event == "created" {
		blocked[ev.VisitID] = true
	}
	y.Log.Warn("sync failed", "visit", ev.VisitID, "event", ev.Event, "err", err)
	parked, ferr := y.Store.Failed(ctx, ev.Key, err.Error(), Permanent(err))
	if ferr != nil {
		return ferr
	}
	rep.fail(err.Error())
	if parked {
		rep.Parked++
	}
	return nil
}

// Permanent reports whether a failure will not change by retrying: ORCA
// refused the request with an Api_Result (missing or invalid fields, an
// unknown code, a patient it cannot identify). HTTP errors, timeouts and
// lost connections are transient.
func Permanent(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Result != ""
}

// storeError marks a local store failure, which stops the run.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }

// errWaiting: the visit cannot be sent yet (its eligibility is pending).
var errWaiting = errors.New("waiting for eligibility")

// errNotYet: a cancellation whose reception has not been sent yet.
var errNotYet = errors.New("the reception is not registered in ORCA yet")

// created registers the visit's patient (found or new) and its reception.
func (y *Syncer) created(ctx context.Context, ev storage.Event, rep *Report) error {
	p, ok := patientOf(ev.Visit)
	if !ok {
		return errWaiting
	}
	tried, err := y.Store.BeginAttempt(ctx, ev.Key)
	if err != nil {
		return &storeError{err}
	}
	id, found, err := y.ORCA.FindPatient(ctx, p)
	if err != nil {
		return err
	}
	if !found {
		if id, err = y.ORCA.RegisterPatient(ctx, p); err != nil {
			return err
		}
	}
	r := y.reception(ev.Visit, id)
	if tried > 0 {
		// An earlier request may have landed: ask before sending again.
		list, err := y.ORCA.Receptions(ctx, r.Date)
		if err != nil {
			return err
		}
		for _, l := range list {
			if l.PatientID == id && l.Time == r.Time {
				rep.Sent++
				return storeErr(y.Store.LinkORCA(ctx, ev.Key, ev.VisitID, storage.ORCALink{PatientID: id, AcceptanceID: l.ID}))
			}
		}
	}
	acc, err := y.ORCA.Accept(ctx, r)
	if err != nil {
		return err
	}
	rep.Sent++
	return storeErr(y.Store.LinkORCA(ctx, ev.Key, ev.VisitID, storage.ORCALink{PatientID: id, AcceptanceID: acc}))
}

// cancelled cancels the visit's reception by the Acceptance_Id ORCA gave.
func (y *Syncer) cancelled(ctx context.Context, ev storage.Event, rep *Report) error {
	link, ok, err := y.Store.LinkedORCA(ctx, ev.VisitID)
	if err != nil {
		return &storeError{err}
	}
	if !ok {
		return errNotYet // its created event has not gone yet (waiting, failing or parked)
	}
	tried, err := y.Store.BeginAttempt(ctx, ev.Key)
	if err != nil {
		return &storeError{err}
	}
	r := y.reception(ev.Visit, link.PatientID)
	if tried > 0 {
		list, err := y.ORCA.Receptions(ctx, r.Date)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(list, func(l ListedReception) bool { return l.ID == link.AcceptanceID }) {
			rep.Cancelled++ // an earlier request did it
			return storeErr(y.Store.MarkSynced(ctx, ev.Key, y.Clock.Now()))
		}
	}
	if err := y.ORCA.CancelAccept(ctx, r, link.AcceptanceID); err != nil {
		return err
	}
	rep.Cancelled++
	return storeErr(y.Store.MarkSynced(ctx, ev.Key, y.Clock.Now()))
}

func storeErr(err error) error {
	if err != nil {
		return &storeError{err}
	}
	return nil
}

// reception is the acceptmodv2 body of a visit: its date and time in Tokyo.
func (y *Syncer) reception(v storage.VisitRow, patientID string) Reception {
	t, _ := time.Parse("2006-01-02T15:04:05.000Z", v.CreatedAt)
	t = t.In(wareki.Tokyo)
	return Reception{
		PatientID: patientID, Date: t.Format("2006-01-02"), Time: t.Format("15:04:05"),
		Department: y.Visit.Department, Physician: y.Visit.Physician, Medical: y.Visit.Medical, InsuranceCombo: y.Visit.InsuranceCombo,
	}
}

// patientOf is the ORCA patient of a visit, from its eligibility answer.
func patientOf(v storage.VisitRow) (Patient, bool) {
	e := v.Eligibility
	if e == nil || e.Validity != kiosk.ValidityValid || e.Name == "" || e.Birth.IsZero() {
		return Patient{}, false
	}
	return Patient{
		Name: e.Name, Kana: kanaForORCA(e.NameKana), Birth: e.Birth.String(), Sex: e.Sex,
		Insurer: string(e.Card.Insurer), Symbol: e.Card.Symbol, Number: e.Card.Number, Branch: e.Card.Branch,
	}, true
}

// kanaForORCA turns the terminal's half-width kana into the full-width
// katakana ORCA stores, with an ideographic space between the names:
// NFKC joins a half-width voiced mark to its kana (ｻﾞ → ザ, not サ゛).
func kanaForORCA(s string) string {
	s = norm.NFKC.String(s)
	return strings.Join(strings.Fields(s), "\u3000")
}
