package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
)

// Visit statuses.
const (
	StatusWaiting   = "waiting"
	StatusCalled    = "called"
	StatusDone      = "done"
	StatusCancelled = "cancelled"
	StatusPending   = "eligibility-pending"
)

var _ kiosk.VisitStore = (*Store)(nil)

// Register stores a visit durably with its 受付番号, its outbox row and its
// audit row, in one transaction; it returns only after the commit.
func (s *Store) Register(ctx context.Context, v kiosk.Visit) (kiosk.Ticket, error) {
	if v.CreatedAt.IsZero() {
		v.CreatedAt = s.o.Clock.Now()
	}
	id := newID()
	day := wareki.Today(v.CreatedAt).String()
	status := StatusWaiting
	if v.Pending != nil {
		status = StatusPending
	}
	consent, _ := json.Marshal(v.Consent)
	var elig, pending, patient []byte
	if v.Patient != nil {
		patient, _ = json.Marshal(v.Patient)
	}
	if v.Eligibility != nil {
		elig, _ = json.Marshal(v.Eligibility)
	}
	if v.Pending != nil {
		pending, _ = json.Marshal(v.Pending)
	}
	actor := "patient"
	if v.Staff != "" {
		actor = string(v.Staff)
	}
	var t kiosk.Ticket
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if v.SourceKey != "" { // already registered from this source: same ticket
			var id, number, day string
			var seq int
			var token sql.NullString
			err := tx.QueryRowContext(ctx, `select id, number, business_day, seq, page_token from visits where source_key = ?`, v.SourceKey).Scan(&id, &number, &day, &seq, &token)
			if err == nil {
				t = kiosk.Ticket{VisitID: id, Number: number, PageToken: token.String}
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return wrapDB("find source", err)
			}
		}
		var seq int
		err := tx.QueryRowContext(ctx, `insert into day_counters (business_day, kiosk_id, last) values (?, ?, 1)
			on conflict (business_day, kiosk_id) do update set last = last + 1 returning last`, day, s.o.KioskID).Scan(&seq)
		if err != nil {
			return wrapDB("next 受付番号", err)
		}
		number := fmt.Sprintf("%s%03d", s.o.Prefix, seq)
		token := newPageToken()
		_, err = tx.ExecContext(ctx, `insert into visits (id, created_at, business_day, kiosk_id, number, seq, status,
			path, auth, consent, eligibility, pending_query, name_check, cert_notice, staff, source_key, patient, page_token)
			values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, stamp(v.CreatedAt), day, s.o.KioskID, number, seq, status, v.Path.String(), v.Auth.String(),
			string(consent), nullable(elig), nullable(pending), v.NameCheck, v.CertNotice.String(), string(v.Staff),
			nullString(v.SourceKey), nullable(patient), token)
		if err != nil {
			return wrapDB("insert visit", err)
		}
		if err := s.enqueueTx(ctx, tx, id, "created"); err != nil {
			return err
		}
		if err := s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: actor, Action: "visit.created", Outcome: status, VisitID: id}); err != nil {
			return err
		}
		var ahead int
		err = tx.QueryRowContext(ctx, `select count(*) from visits where business_day = ? and kiosk_id = ? and seq < ?
			and status in ('waiting', 'called', 'eligibility-pending')`, day, s.o.KioskID, seq).Scan(&ahead)
		if err != nil {
			return wrapDB("count waiting", err)
		}
		t = kiosk.Ticket{VisitID: id, Number: number, Waiting: ahead, PageToken: token}
		return nil
	})
	if err != nil {
		return kiosk.Ticket{}, fmt.Errorf("register visit: %w", err)
	}
	return t, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullable(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// VisitRow is a visit as the queue shows it.
type VisitRow struct {
	ID          string                   `json:"id"`
	CreatedAt   string                   `json:"created_at"`
	BusinessDay string                   `json:"business_day"`
	KioskID     string                   `json:"kiosk_id"`
	Number      string                   `json:"number"`
	Status      string                   `json:"status"`
	Path        string                   `json:"path"`
	Auth        string                   `json:"auth"`
	NameCheck   bool                     `json:"name_check"`
	CertNotice  string                   `json:"cert_notice"`
	Eligibility *kiosk.EligibilityResult `json:"eligibility,omitempty"`
	Patient     *kiosk.PatientDetails    `json:"patient,omitempty"` // typed by staff
	Purged      bool                     `json:"purged"`
}

// visitColumns are the columns of a VisitRow, for a query over visits v;
// scanVisit reads them.
const visitColumns = `v.id, v.created_at, v.business_day, v.kiosk_id, v.number, v.status, v.path, v.auth,
	v.name_check, v.cert_notice, v.eligibility, v.patient, v.purged_at is not null`

// scanVisit scans the columns before (other destinations) and then
// visitColumns into a VisitRow: the one reader of a visit row.
func scanVisit(rows *sql.Rows, before ...any) (VisitRow, error) {
	var r VisitRow
	var elig, patient sql.NullString
	dest := append(before, &r.ID, &r.CreatedAt, &r.BusinessDay, &r.KioskID, &r.Number, &r.Status, &r.Path, &r.Auth,
		&r.NameCheck, &r.CertNotice, &elig, &patient, &r.Purged)
	if err := rows.Scan(dest...); err != nil {
		return r, err
	}
	if elig.Valid {
		r.Eligibility = &kiosk.EligibilityResult{}
		if err := json.Unmarshal([]byte(elig.String), r.Eligibility); err != nil {
			return r, fmt.Errorf("visit %s: eligibility: %w", r.ID, err)
		}
	}
	if patient.Valid {
		r.Patient = &kiosk.PatientDetails{}
		if err := json.Unmarshal([]byte(patient.String), r.Patient); err != nil {
			return r, fmt.Errorf("visit %s: patient: %w", r.ID, err)
		}
	}
	return r, nil
}

// CorrectPatient replaces what staff typed about a visit's patient (name,
// kana, birth date, sex) and queues a "corrected" event for the clinic
// system. A hand-over of the visit that was parked for staff is put back
// in line: the correction is the fix it waited for.
func (s *Store) CorrectPatient(ctx context.Context, day, number string, p kiosk.PatientDetails, staff string) error {
	b, _ := json.Marshal(p)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, `update visits set patient = ? where business_day = ? and number = ? and purged_at is null returning id`,
			string(b), day, number).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("correct %s %s: %w", day, number, ErrNotFound)
		}
		if err != nil {
			return wrapDB("correct patient", err)
		}
		if err := s.enqueueTx(ctx, tx, id, "corrected"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `update deliveries set parked_at = null, attempts = 0, next_attempt = ?
			where key in (select key from outbox where visit_id = ?) and parked_at is not null and done_at is null`, stamp(s.o.Clock.Now()), id); err != nil {
			return wrapDB("correct patient", err)
		}
		return s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: staff, Action: "visit.corrected", Outcome: "patient", VisitID: id})
	})
}

// List returns the visits of a business day (YYYY-MM-DD), in order.
func (s *Store) List(ctx context.Context, day string) ([]VisitRow, error) {
	rows, err := s.db.QueryContext(ctx, `select `+visitColumns+` from visits v
		where v.business_day = ? order by v.kiosk_id, coalesce(v.queue_pos, v.seq)`, day)
	if err != nil {
		return nil, wrapDB("list visits", err)
	}
	defer rows.Close()
	var out []VisitRow
	for rows.Next() {
		r, err := scanVisit(rows)
		if err != nil {
			return nil, wrapDB("list visits", err)
		}
		out = append(out, r)
	}
	return out, wrapDB("list visits", rows.Err())
}

// SetStatus changes the status of the visit with number on day (of this
// kiosk), audited as actor. Cancelling also queues a "cancelled" event.
func (s *Store) SetStatus(ctx context.Context, day, number, status, actor string) error {
	switch status {
	case StatusCalled, StatusDone, StatusCancelled, StatusWaiting:
	default:
		return fmt.Errorf("set status: %q is not a status staff can set", status)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		id, err := s.findTx(ctx, tx, "set status", day, number)
		if err != nil {
			return err
		}
		return s.statusTx(ctx, tx, id, status, actor, s.o.Clock.Now())
	})
}

// statusTx sets visit id's status at the time at; cancelling queues a
// "cancelled" event.
func (s *Store) statusTx(ctx context.Context, tx *sql.Tx, id, status, actor string, at time.Time) error {
	var old string
	if err := tx.QueryRowContext(ctx, `select status from visits where id = ?`, id).Scan(&old); err != nil {
		return wrapDB("set status: find visit", err)
	}
	if _, err := tx.ExecContext(ctx, `update visits set status = ?,
		called_at = case when ? = 'called' then ? else called_at end where id = ?`, status, status, stamp(at), id); err != nil {
		return wrapDB("set status", err)
	}
	if status == StatusCancelled && old != StatusCancelled {
		if err := s.enqueueTx(ctx, tx, id, "cancelled"); err != nil {
			return err
		}
	}
	return s.appendTx(ctx, tx, kiosk.AuditEntry{Actor: actor, Action: "visit.status", Outcome: old + "->" + status, VisitID: id})
}
