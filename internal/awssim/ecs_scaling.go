package awssim

import "time"

// The ECS side of Application Auto Scaling (appautoscaling.go): a scalable target names a
// service as "service/<cluster>/<service>", and registering or changing the target moves
// the service's desired count into the target's range, as a scaling activity on AWS does.
// Both methods run with the simulator lock held, like every Op.

// scalableService finds an ACTIVE service of an ACTIVE cluster by names (not ARNs), with
// the region's transitions due by now applied. DRAINING and INACTIVE services, and
// services of an INACTIVE cluster, are not scalable.
func (s *ecsState) scalableService(region, cluster, service string, now time.Time) (*ecsRegion, *ecsService, bool) {
	r := s.regionAt(region, now)
	cl, ok := r.Clusters[cluster]
	if !ok || cl.Status != "ACTIVE" {
		return nil, nil, false
	}
	svc, ok := cl.Services[service]
	if !ok || svc.Status != "ACTIVE" {
		return nil, nil, false
	}
	return r, svc, true
}

// clampDesiredCount sets the desired count of an ACTIVE service into [lo, hi] the way
// UpdateService with only desiredCount does: the PRIMARY deployment takes the new count
// and the scheduler starts or stops tasks at once. It reports the count before and after
// and whether the service exists; a count already in range is left alone.
func (s *ecsState) clampDesiredCount(region, cluster, service string, lo, hi int32, now time.Time) (from, to int32, ok bool) {
	r, svc, ok := s.scalableService(region, cluster, service, now)
	if !ok {
		return 0, 0, false
	}
	from = svc.DesiredCount
	to = min(max(from, lo), hi)
	if to == from {
		return from, to, true
	}
	svc.DesiredCount = to
	svc.Deployments[0].DesiredCount = to
	svc.Deployments[0].UpdatedAt = now
	s.reconcile(region, r, svc, now)
	return from, to, true
}
