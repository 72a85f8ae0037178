package awssim

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"time"
)

// Application health. The simulator runs no containers, so whether a task's application
// answers its load balancer's health checks is a test control: every image is healthy
// until SetImageHealth (or POST /_awssim/images/health) says otherwise. Like the faults, it
// is not saved in the state file and Reset clears it.

// imageHealth is an image's health since a time (when a test last changed it).
type imageHealth struct {
	Healthy bool
	Since   time.Time
}

// SetImageHealth makes the targets of tasks running image pass (or fail) their load
// balancer health checks from now on. ECS is first brought up to now, so that what it did
// before the change happened under the old health.
func (s *Sim) SetImageHealth(image string, healthy bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if was, _ := s.imageHealthOf(image); was == healthy {
		return
	}
	now := s.Now()
	if svc := s.services["ecs"]; svc != nil {
		st := svc.State.(*ecsState)
		for _, region := range slices.Sorted(maps.Keys(st.Regions)) {
			st.regionAt(region, now)
		}
	}
	if s.images == nil {
		s.images = map[string]imageHealth{}
	}
	s.images[image] = imageHealth{Healthy: healthy, Since: now}
}

// imageHealthOf is an image's health and since when it has had it (zero: always).
func (s *Sim) imageHealthOf(image string) (healthy bool, since time.Time) {
	h, ok := s.images[image]
	if !ok {
		return true, time.Time{}
	}
	return h.Healthy, h.Since
}

// serveImageHealth is POST /_awssim/images/health {"image": "...", "healthy": false}.
func (s *Sim) serveImageHealth(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Image   string `json:"image"`
		Healthy *bool  `json:"healthy"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Image == "" || req.Healthy == nil {
		http.Error(w, "decode image health: want {\"image\": \"...\", \"healthy\": true|false}", http.StatusBadRequest)
		return
	}
	s.SetImageHealth(req.Image, *req.Healthy)
	w.WriteHeader(http.StatusNoContent)
}

// healthStep is a target's health from At on.
type healthStep struct {
	At                  time.Time
	State, Reason, Desc string
}

// healthTimeline is the life of a registration under its target group's health checks,
// as the list of states it takes: registering while the load balancer is still
// provisioning (from begin, when the registration met a listener, to start, when the load
// balancer is active), initial while the checks run, then healthy after healthyAfter of
// passing checks or unhealthy after unhealthyAfter of failing ones. The application's
// health is healthy from since on and the opposite before (since zero: always).
func healthTimeline(begin, start time.Time, healthy bool, since time.Time, healthyAfter, unhealthyAfter time.Duration) []healthStep {
	var steps []healthStep
	if start.After(begin) {
		steps = append(steps, healthStep{begin, "initial", "Elb.RegistrationInProgress", "Target registration is in progress"})
	}
	steps = append(steps, healthStep{start, "initial", "Elb.InitialHealthChecking", "Initial health checks in progress"})
	settled := func(at time.Time, ok bool) healthStep {
		if ok {
			return healthStep{At: at, State: "healthy"}
		}
		return healthStep{at, "unhealthy", "Target.FailedHealthChecks", "Health checks failed"}
	}
	after := func(ok bool) time.Duration {
		if ok {
			return healthyAfter
		}
		return unhealthyAfter
	}
	from := start
	if since.After(start) {
		// Checks before the change saw the other health, long enough perhaps to settle on it.
		if at := start.Add(after(!healthy)); !at.After(since) {
			steps = append(steps, settled(at, !healthy))
		}
		from = since
	}
	return append(steps, settled(from.Add(after(healthy)), healthy))
}

// stepAt is the state at t (the last step at or before t) and when the next step is due
// after t (zero when none).
func stepAt(steps []healthStep, t time.Time) (cur healthStep, next time.Time) {
	for _, st := range steps {
		if st.At.After(t) {
			return cur, st.At
		}
		cur = st
	}
	return cur, time.Time{}
}
