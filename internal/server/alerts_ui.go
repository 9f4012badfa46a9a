package server

import (
	"net/http"
	"strconv"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// alertsPage lists the alert sinks (secrets are never shown) and the dead
// letters, for admins.
func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	if p.token.Role != fleet.TokenAdmin {
		return errorf(http.StatusForbidden, "forbidden", "alerts are for admins")
	}
	ks, err := s.st.AlertSinks(r.Context())
	if err != nil {
		return err
	}
	for i := range ks {
		ks[i] = publicSink(ks[i])
	}
	dead, err := s.st.Deliveries(r.Context(), store.DeliveryQuery{State: fleet.DeliveryDead, Limit: 200})
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "alerts", p, map[string]any{"Title": "Alerts", "Sinks": ks, "Dead": dead})
}

// retryForm puts a dead letter back in the queue from the alerts page.
func (s *Server) retryForm(w http.ResponseWriter, r *http.Request, p *principal) error {
	if p.token.Role != fleet.TokenAdmin {
		return errorf(http.StatusForbidden, "forbidden", "alerts are for admins")
	}
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	if err := s.st.RetryDelivery(r.Context(), id, s.now()); err != nil {
		return err
	}
	s.audit(r, p, "alert.delivery.retry", "alert delivery "+strconv.FormatInt(id, 10), "")
	http.Redirect(w, r, "/alerts", http.StatusSeeOther)
	return nil
}
