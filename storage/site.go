package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
)

// SiteRow is a visit as the site's shared queue (sitequeue) holds it: what
// the desk lists and the display shows, with the version of the row that
// carries it.
type SiteRow struct {
	VisitRow
	Seq       int
	Priority  bool
	CalledAt  string // stamp, "" when never called
	Room      string
	PageToken string
	Version   int64
}

// SiteDue returns up to limit visits whose latest change has not reached
// the site's shared queue yet, oldest first.
func (s *Store) SiteDue(ctx context.Context, limit int) ([]SiteRow, error) {
	rows, err := s.db.QueryContext(ctx, `select v.seq, v.priority, coalesce(v.called_at, ''), v.room, coalesce(v.page_token, ''),
		v.site_version, `+visitColumns+` from visits v where v.site_version > v.site_pushed order by v.created_at limit ?`, limit)
	if err != nil {
		return nil, wrapDB("site due", err)
	}
	defer rows.Close()
	var out []SiteRow
	for rows.Next() {
		var r SiteRow
		v, err := scanVisit(rows, &r.Seq, &r.Priority, &r.CalledAt, &r.Room, &r.PageToken, &r.Version)
		if err != nil {
			return nil, wrapDB("site due", err)
		}
		r.VisitRow = v
		out = append(out, r)
	}
	return out, wrapDB("site due", rows.Err())
}

// SitePushed records that version of visit id is in the site's shared
// queue. A later change (a higher version) stays due.
func (s *Store) SitePushed(ctx context.Context, id string, version int64) error {
	_, err := s.db.ExecContext(ctx, `update visits set site_pushed = max(site_pushed, ?) where id = ?`, version, id)
	return wrapDB("site pushed", err)
}

// Site actions: what staff did at the desk to one of this kiosk's visits.
const (
	SiteCall     = "call"     // Arg: the room
	SiteStatus   = "status"   // Arg: waiting, done or cancelled
	SitePriority = "priority" // Arg: "on" or "off"
	// SiteTakeAlert: staff took one of the kiosk's alerts; Arg is the
	// alert's id in the kiosk's store, VisitID is empty.
	SiteTakeAlert = "take-alert"
)

// SiteAction is a staff action taken at the desk on the site's shared
// queue, for the kiosk that owns the visit to apply to its own record.
type SiteAction struct {
	ID      int64 // the site queue's action id
	VisitID string
	Action  string
	Arg     string
	Actor   string // the staff ID
	At      time.Time
}

// Outcomes of ApplySiteAction.
const (
	SiteApplied = "applied"
	SiteAlready = "already" // applied before (a retry)
	SiteRefused = "refused" // the visit's record here did not allow it
)

// ApplySiteAction applies a, once: an action applied before is not applied
// again (its visit's record is pushed once more). One the visit's record
// refuses (unknown, a finished visit called) is recorded as refused and
// the row is marked changed, so the kiosk's own record goes back to the
// site queue and corrects it; an alert closed meanwhile is refused too.
// Only a database failure returns an error, and then nothing was
// recorded.
func (s *Store) ApplySiteAction(ctx context.Context, a SiteAction) (string, error) {
	outcome := SiteApplied
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var seen string
		err := tx.QueryRowContext(ctx, `select outcome from site_applied where action_id = ?`, a.ID).Scan(&seen)
		if err == nil {
			// Applied before PostgreSQL heard of it (a crash between the
			// two): the record goes back again, lest a push skipped
			// meanwhile left the site queue behind.
			outcome = SiteAlready
			_, err := tx.ExecContext(ctx, `update visits set site_version = site_version + 1 where id = ? and kiosk_id = ?`, a.VisitID, s.o.KioskID)
			return wrapDB("site action", err)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return wrapDB("site action", err)
		}
		if a.Action == SiteTakeAlert {
			outcome, err = s.siteAlertTx(ctx, tx, a)
		} else {
			outcome, err = s.siteVisitTx(ctx, tx, a)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `insert into site_applied (action_id, applied_at, outcome) values (?, ?, ?)`,
			a.ID, stamp(s.o.Clock.Now()), outcome)
		return wrapDB("site action", err)
	})
	if err != nil {
		return "", fmt.Errorf("apply desk action %d: %w", a.ID, err)
	}
	return outcome, nil
}

// siteVisitTx applies an action on one of this kiosk's visits.
func (s *Store) siteVisitTx(ctx context.Context, tx *sql.Tx, a SiteAction) (string, error) {
	var kioskID string
	err := tx.QueryRowContext(ctx, `select kiosk_id from visits where id = ?`, a.VisitID).Scan(&kioskID)
	switch {
	case errors.Is(err, sql.ErrNoRows) || err == nil && kioskID != s.o.KioskID:
		return SiteRefused, nil
	case err != nil:
		return "", wrapDB("site action", err)
	}
	aerr := s.siteActionTx(ctx, tx, a)
	var refusal siteRefusal
	if !errors.As(aerr, &refusal) && !errors.Is(aerr, ErrNotAllowed) {
		return SiteApplied, aerr
	}
	if _, err := tx.ExecContext(ctx, `update visits set site_version = site_version + 1 where id = ?`, a.VisitID); err != nil {
		return "", wrapDB("site action", err)
	}
	return SiteRefused, s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: a.Actor, Action: "visit." + a.Action, Outcome: "refused", VisitID: a.VisitID})
}

// siteAlertTx closes one of this kiosk's alerts that staff took at the
// desk; one closed meanwhile (the session ended) is refused.
func (s *Store) siteAlertTx(ctx context.Context, tx *sql.Tx, a SiteAction) (string, error) {
	id, err := strconv.ParseInt(a.Arg, 10, 64)
	if err != nil {
		return SiteRefused, nil
	}
	err = s.takeAlertTx(ctx, tx, id, a.Actor)
	if errors.Is(err, ErrNotFound) {
		return SiteRefused, nil
	}
	return SiteApplied, err
}

// siteRefusal is an action whose arguments this version cannot apply.
type siteRefusal string

func (r siteRefusal) Error() string { return string(r) }

func (s *Store) siteActionTx(ctx context.Context, tx *sql.Tx, a SiteAction) error {
	at := a.At
	if at.IsZero() {
		at = s.o.Clock.Now()
	}
	switch a.Action {
	case SiteCall:
		return s.callTx(ctx, tx, a.VisitID, a.Arg, a.Actor, at)
	case SiteStatus:
		switch a.Arg {
		case StatusWaiting, StatusDone, StatusCancelled:
			return s.statusTx(ctx, tx, a.VisitID, a.Arg, a.Actor, at)
		}
	case SitePriority:
		switch a.Arg {
		case "on", "off":
			return s.priorityTx(ctx, tx, a.VisitID, a.Arg == "on", a.Actor)
		}
	}
	return siteRefusal(fmt.Sprintf("unknown desk action %q %q", a.Action, a.Arg))
}
