package taxii

import (
	"encoding/json"
	"testing"
	"time"
)

func TestTimeRoundTrip(t *testing.T) {
	in := time.Date(2023, 3, 29, 10, 4, 5, 123456000, time.FixedZone("x", 3600))
	s := FormatTime(in)
	if s != "2023-03-29T09:04:05.123456Z" {
		t.Fatalf("FormatTime = %s", s)
	}
	back, err := ParseTime(s)
	if err != nil || !back.Equal(in) {
		t.Fatalf("ParseTime(%s) = %v, %v", s, back, err)
	}
}

func TestEnvelopeOmitsEmpty(t *testing.T) {
	b, err := json.Marshal(Envelope{})
	if err != nil || string(b) != "{}" {
		t.Fatalf("empty envelope = %s, %v (TAXII 2.1 §3.7: an empty envelope is {})", b, err)
	}
	var e Error
	if err := json.Unmarshal([]byte(`{"title":"Not Found","http_status":"404"}`), &e); err != nil || e.Error() != "Not Found" {
		t.Fatalf("error resource: %v %v", e, err)
	}
}
