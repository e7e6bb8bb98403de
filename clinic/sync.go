package clinic

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/storage"
)

// Syncer hands the outbox's visit events to the clinic system. Each
// destination has its own delivery of every event: ORCA gets each
// reception exactly once (a cancellation and a correction of the patient
// too), the files get the days the events belong to. Either may be
// absent. One Syncer runs at a time per store (the caller holds the lock).
type Syncer struct {
	Store  *storage.Store
	ORCA   *ORCA          // nil: no ORCA
	Visit  ReceptionCodes // 診療科, 医師 … for every reception
	Export *ExportOptions // nil: no file export
	Log    *slog.Logger
	Clock  kiosk.Clock // default the system's

	mu         sync.Mutex
	destsSet   bool      // SetDestinations done for this configuration
	codesDay   string    // business day the configured codes were found in ORCA's lists
	codesRetry time.Time // after a failed look-up, not again before this
}

// ReceptionCodes are the clinic's codes sent with every reception.
type ReceptionCodes struct {
	Department, Physician, Medical, InsuranceCombo string
}

// Report is what one run did, for the audit log and the staff screen.
type Report struct {
	Sent, Corrected, Cancelled, Failed, Parked, Waiting int
	Exported                                            []string // files written
	Errors                                              []string // the distinct reasons, ORCA's words kept
}

// String is the one-line summary.
func (r Report) String() string {
	s := fmt.Sprintf("sent %d, cancelled %d, failed %d, parked %d, waiting for eligibility %d, files %d",
		r.Sent, r.Cancelled, r.Failed, r.Parked, r.Waiting, len(r.Exported))
	if r.Corrected > 0 {
		s += fmt.Sprintf(", corrected %d", r.Corrected)
	}
	if len(r.Errors) > 0 {
		s += "; " + strings.Join(r.Errors, "; ")
	}
	return s
}

// busy reports whether the run did anything worth recording.
func (r Report) busy() bool {
	return r.Sent+r.Corrected+r.Cancelled+r.Failed+r.Parked > 0
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

// Destinations are the destinations this Syncer delivers to.
func (y *Syncer) Destinations() []string {
	var out []string
	if y.ORCA != nil {
		out = append(out, storage.DestORCA)
	}
	if y.Export != nil {
		out = append(out, storage.DestFiles)
	}
	return out
}

func (y *Syncer) defaults() {
	if y.Clock == nil {
		y.Clock = kiosk.SystemClock{}
	}
	if y.Log == nil {
		y.Log = slog.New(slog.DiscardHandler)
	}
}

func (y *Syncer) today() string { return wareki.Today(y.Clock.Now()).String() }

// setDestinations records the configured destinations once per Syncer:
// one added since the last start receives from today on.
func (y *Syncer) setDestinations(ctx context.Context) error {
	y.mu.Lock()
	defer y.mu.Unlock()
	if y.destsSet {
		return nil
	}
	added, err := y.Store.SetDestinations(ctx, y.Destinations(), y.today())
	if err != nil {
		return err
	}
	for _, d := range added {
		y.Log.Info("sync destination added: it receives the visits of today onward (older days with sync run --backfill)", "destination", d, "day", y.today())
	}
	y.destsSet = true
	return nil
}

// Backfill gives every destination of this Syncer the events of the
// business days from since (YYYY-MM-DD) on that it has not received; the
// next Run delivers them. It returns how many events each was given.
func (y *Syncer) Backfill(ctx context.Context, since string) (map[string]int64, error) {
	y.defaults()
	if err := y.setDestinations(ctx); err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, d := range y.Destinations() {
		n, err := y.Store.Backfill(ctx, d, since)
		if err != nil {
			return out, err
		}
		out[d] = n
	}
	return out, nil
}

// Run delivers everything that is due: to ORCA (after checking the
// configured codes), then the files of the days touched and today.
// trigger says who started it (schedule, catch-up, manual, staff).
func (y *Syncer) Run(ctx context.Context, trigger string) (Report, error) {
	var rep Report
	y.defaults()
	if err := y.setDestinations(ctx); err != nil {
		return rep, err
	}
	id, err := y.Store.StartRun(ctx, trigger)
	if err != nil {
		return rep, err
	}
	if y.ORCA != nil {
		if err := y.sendORCA(ctx, &rep); err != nil {
			return rep, err
		}
	}
	if y.Export != nil {
		if err := y.exportFiles(ctx, &rep); err != nil {
			return rep, err
		}
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	return rep, y.Store.FinishRun(ctx, id, rep.String())
}

// Push delivers to ORCA what is due now, during the day: the kiosk calls
// it seconds after each check-in, so that the doctor's 受付一覧 shows the
// patient who is waiting. It records a run only when it did something.
// The files wait for Run.
func (y *Syncer) Push(ctx context.Context) (Report, error) {
	var rep Report
	y.defaults()
	if y.ORCA == nil {
		return rep, nil
	}
	if err := y.setDestinations(ctx); err != nil {
		return rep, err
	}
	due, err := y.Store.Due(ctx, storage.DestORCA, y.Clock.Now(), 1)
	if err != nil || len(due) == 0 {
		return rep, err
	}
	if err := y.sendORCA(ctx, &rep); err != nil {
		return rep, err
	}
	if !rep.busy() {
		return rep, nil
	}
	id, err := y.Store.StartRun(ctx, "push")
	if err != nil {
		return rep, err
	}
	return rep, y.Store.FinishRun(ctx, id, rep.String())
}

// sendORCA checks the configured codes and delivers the due events to
// ORCA. Only a store error is returned.
func (y *Syncer) sendORCA(ctx context.Context, rep *Report) error {
	if err := y.checkCodes(ctx); err != nil {
		var se *storeError
		if errors.As(err, &se) {
			return se.err
		}
		// Nothing is sent: a wrong code would fail every visit, and a
		// look-up that failed says ORCA is not answering.
		rep.fail(err.Error())
		y.Log.Warn("sync to ORCA not started", "err", err)
		return nil
	}
	blocked := map[string]bool{} // visits whose reception did not go this run: their later events wait
	seen := map[string]bool{}
	for ctx.Err() == nil {
		events, err := y.Store.Due(ctx, storage.DestORCA, y.Clock.Now(), 200)
		if err != nil {
			return err
		}
		progress := false
		for _, ev := range events {
			if seen[ev.Key] {
				continue
			}
			seen[ev.Key], progress = true, true
			if err := y.event(ctx, ev, blocked, rep); err != nil {
				return err // the store failed: stop, nothing is lost
			}
		}
		if !progress {
			break
		}
	}
	return nil
}

// exportFiles writes the files of the days whose events the files lack,
// and today, then records those events delivered.
func (y *Syncer) exportFiles(ctx context.Context, rep *Report) error {
	byDay := map[string][]string{y.today(): nil}
	for {
		due, err := y.Store.Due(ctx, storage.DestFiles, y.Clock.Now(), 500)
		if err != nil {
			return err
		}
		if len(due) == 0 {
			break
		}
		n := 0
		for _, ev := range due {
			if !slices.Contains(byDay[ev.Visit.BusinessDay], ev.Key) {
				byDay[ev.Visit.BusinessDay] = append(byDay[ev.Visit.BusinessDay], ev.Key)
				n++
			}
		}
		if n == 0 || len(due) < 500 {
			break
		}
	}
	for _, day := range slices.Sorted(maps.Keys(byDay)) {
		visits, err := y.Store.List(ctx, day)
		if err != nil {
			return err
		}
		files, err := ExportDay(day, visits, *y.Export)
		rep.Exported = append(rep.Exported, files...)
		if err != nil {
			rep.fail(err.Error())
			for _, k := range byDay[day] {
				if _, ferr := y.Store.Failed(ctx, storage.DestFiles, k, err.Error(), false); ferr != nil {
					return ferr
				}
			}
			continue
		}
		if err := y.Store.Delivered(ctx, storage.DestFiles, byDay[day]...); err != nil {
			return err
		}
	}
	return nil
}

// event delivers one outbox event to ORCA. Only a store error is
// returned; a failure of the far side is recorded on the delivery
// (backoff, then parked; parked at once when retrying cannot help).
func (y *Syncer) event(ctx context.Context, ev storage.Event, blocked map[string]bool, rep *Report) error {
	var err error
	switch ev.Event {
	case "created":
		err = y.created(ctx, ev, rep)
	case "cancelled", "corrected":
		if blocked[ev.VisitID] {
			return nil // its reception is not there yet; try again next run
		}
		if ev.Event == "cancelled" {
			err = y.cancelled(ctx, ev, rep)
		} else {
			err = y.corrected(ctx, ev, rep)
		}
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
	y.Log.Warn("sync to ORCA failed", "visit", ev.VisitID, "event", ev.Event, "err", err)
	parked, ferr := y.Store.Failed(ctx, storage.DestORCA, ev.Key, err.Error(), Permanent(err))
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
// unknown code, a patient it cannot identify), or the visit lacks what
// ORCA requires. HTTP errors, timeouts and lost connections are transient.
func Permanent(err error) bool {
	var ae *APIError
	var ie *IncompleteError
	return errors.As(err, &ae) && ae.Result != "" || errors.As(err, &ie)
}

// IncompleteError is a visit that lacks what ORCA requires of a new
// patient: staff complete it (the check-in form, or a correction).
type IncompleteError struct {
	Missing []string // name, kana, birth, sex
}

func (e *IncompleteError) Error() string {
	return "the visit lacks what ORCA requires of a patient: " + strings.Join(e.Missing, ", ")
}

// storeError marks a local store failure, which stops the run.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }

// errWaiting: the visit cannot be sent yet (its eligibility is pending).
var errWaiting = errors.New("waiting for eligibility")

// errNotYet: a cancellation or correction whose reception has not been
// sent yet.
var errNotYet = errors.New("the reception is not registered in ORCA yet")

// created registers the visit's patient (found or new) and its reception.
func (y *Syncer) created(ctx context.Context, ev storage.Event, rep *Report) error {
	if _, ok, err := y.Store.LinkedORCA(ctx, ev.VisitID); err != nil || ok {
		if err == nil { // already at ORCA (before destinations were tracked)
			err = y.Store.Delivered(ctx, storage.DestORCA, ev.Key)
		}
		return storeErr(err)
	}
	p, err := patientOf(ev.Visit)
	if err != nil {
		return err
	}
	tried, err := y.Store.BeginAttempt(ctx, storage.DestORCA, ev.Key)
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
	tried, err := y.Store.BeginAttempt(ctx, storage.DestORCA, ev.Key)
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
			return storeErr(y.Store.Delivered(ctx, storage.DestORCA, ev.Key))
		}
	}
	if err := y.ORCA.CancelAccept(ctx, r, link.AcceptanceID); err != nil {
		return err
	}
	rep.Cancelled++
	return storeErr(y.Store.Delivered(ctx, storage.DestORCA, ev.Key))
}

// corrected sends the visit's patient as it is now to the patient ORCA
// registered (patientmodv2 class 02): an update with the same data twice
// is harmless, so an ambiguous attempt is simply sent again.
func (y *Syncer) corrected(ctx context.Context, ev storage.Event, rep *Report) error {
	link, ok, err := y.Store.LinkedORCA(ctx, ev.VisitID)
	if err != nil {
		return &storeError{err}
	}
	if !ok {
		return errNotYet // the reception will carry the corrected patient
	}
	p, err := patientOf(ev.Visit)
	if err != nil {
		return err
	}
	p.ID = link.PatientID
	if err := y.ORCA.UpdatePatient(ctx, p); err != nil {
		return err
	}
	rep.Corrected++
	return storeErr(y.Store.Delivered(ctx, storage.DestORCA, ev.Key))
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

// patientOf is the ORCA patient of a visit: from its eligibility answer,
// with what staff typed filling what the answer lacks (or standing alone
// for a check-in by hand). errWaiting while the answer is pending; an
// *IncompleteError when ORCA's required fields are not all there.
func patientOf(v storage.VisitRow) (Patient, error) {
	var p Patient
	if e := v.Eligibility; e != nil && e.Validity == kiosk.ValidityValid {
		p = Patient{Name: e.Name, Kana: e.NameKana, Sex: e.Sex,
			Insurer: string(e.Card.Insurer), Symbol: e.Card.Symbol, Number: e.Card.Number, Branch: e.Card.Branch}
		if !e.Birth.IsZero() {
			p.Birth = e.Birth.String()
		}
	} else if v.Status == storage.StatusPending && v.Patient == nil {
		return p, errWaiting
	}
	if t := v.Patient; t != nil {
		// Staff typed it after looking at the patient's documents: it wins.
		p.Name, p.Kana, p.Sex = first(t.Name, p.Name), first(t.Kana, p.Kana), first(t.Sex, p.Sex)
		if !t.Birth.IsZero() {
			p.Birth = t.Birth.String()
		}
	}
	p.Name = nameForORCA(p.Name)
	p.Kana = kanaForORCA(p.Kana)
	if p.Sex == "3" { // 未設定 in the answer: ORCA needs 1 or 2
		p.Sex = ""
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"name", p.Name}, {"kana", p.Kana}, {"birth", p.Birth}, {"sex", p.Sex}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		if v.Status == storage.StatusPending {
			return p, errWaiting // the answer may bring them
		}
		return p, &IncompleteError{Missing: missing}
	}
	return p, nil
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// nameForORCA is a 漢字氏名 as ORCA stores it: full-width, family and given
// name apart by U+3000.
func nameForORCA(s string) string {
	return strings.Join(strings.Fields(s), "\u3000")
}

// kanaForORCA turns the terminal's half-width kana into the full-width
// katakana ORCA stores, with an ideographic space between the names:
// NFKC joins a half-width voiced mark to its kana (ｻﾞ → ザ, not サ゛).
func kanaForORCA(s string) string {
	s = norm.NFKC.String(s)
	return strings.Join(strings.Fields(s), "\u3000")
}
