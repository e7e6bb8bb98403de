package eligibility

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/uketsuke/uketsuke/kiosk"
)

// memStore is a VisitStore that honours SourceKey like the real one.
type memStore struct {
	mu     sync.Mutex
	visits []kiosk.Visit
	keys   map[string]kiosk.Ticket
}

func (m *memStore) Register(_ context.Context, v kiosk.Visit) (kiosk.Ticket, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.keys[v.SourceKey]; ok && v.SourceKey != "" {
		return t, nil
	}
	m.visits = append(m.visits, v)
	t := kiosk.Ticket{VisitID: v.SourceKey, Number: strings.Repeat("0", 2) + string(rune('0'+len(m.visits)))}
	if m.keys == nil {
		m.keys = map[string]kiosk.Ticket{}
	}
	m.keys[v.SourceKey] = t
	return t, nil
}

func TestFaceIntakeTurnsReaderResultsIntoVisits(t *testing.T) {
	dir := terminalDir(t)
	os.Mkdir(filepath.Join(dir, "face"), 0o700)
	face := strings.Replace(string(encode(t, "UTF-8", "診療　太郎")), "<ReferenceClassification>2</ReferenceClassification>",
		"<ReferenceClassification>1</ReferenceClassification>", 1)
	face = strings.Replace(face, "<LimitApplicationCertificateRelatedConsFlg>1</LimitApplicationCertificateRelatedConsFlg>",
		"<LimitApplicationCertificateRelatedConsFlg>1</LimitApplicationCertificateRelatedConsFlg><PharmacistsInfoConsFlg>1</PharmacistsInfoConsFlg><DiagnosisInfoConsFlg>0</DiagnosisInfoConsFlg>", 1)
	os.WriteFile(filepath.Join(dir, "face", "OQSsiquc01res_face_20261125100000.xml"), []byte(face), 0o644)
	os.WriteFile(filepath.Join(dir, "face", "OQSsiquc01res_face_20261125100001.xml"), []byte("garbage"), 0o644)
	store := &memStore{}
	archive := t.TempDir()
	var tickets []kiosk.Ticket
	in := &FaceIntake{Dir: dir, Store: store, Archive: archive, OnTicket: func(tk kiosk.Ticket, _ kiosk.EligibilityResult) { tickets = append(tickets, tk) }}
	if err := in.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(store.visits) != 1 || len(tickets) != 1 {
		t.Fatalf("visits %d, tickets %d", len(store.visits), len(tickets))
	}
	v := store.visits[0]
	if v.Auth != kiosk.AuthReader || v.Path != kiosk.PathMynaCard || !v.Consent.Medication || v.Consent.Diagnosis || !v.Consent.Limit ||
		v.Eligibility == nil || v.Eligibility.Name != "診療　太郎" {
		t.Fatalf("visit %+v", v)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "face")); len(left) != 0 {
		t.Fatalf("files left in face/: %v", left)
	}
	if bad, _ := os.ReadDir(filepath.Join(archive, "bad")); len(bad) != 1 {
		t.Fatalf("the garbage file was not set aside: %v", bad)
	}
	// The same file again (a crash before it was archived): one visit.
	os.WriteFile(filepath.Join(dir, "face", "OQSsiquc01res_face_20261125100000.xml"), []byte(face), 0o644)
	in.Once(context.Background())
	if len(store.visits) != 1 {
		t.Fatalf("a repeated file registered twice")
	}
}
