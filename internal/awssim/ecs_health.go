package awssim

import (
	"slices"
	"time"
)

// The ECS side of load balancer health. A service's RUNNING tasks are targets in its target
// groups (syncTargets). ECS ignores a task's health check status for the service's health
// check grace period (from the task's start, scaled), as on AWS: a task counts toward its
// deployment's rollout only once that period is over and every group reports it healthy,
// and a task a group reports unhealthy is stopped and replaced only after it. Such a stop
// counts as a failed task of its deployment, so the circuit breaker trips on an image that
// never passes its health checks (Sim.SetImageHealth).

// grace is the service's health check grace period, scaled.
func (s *ecsState) grace(svc *ecsService) time.Duration {
	if svc.HealthCheckGrace == nil {
		return 0
	}
	return s.sim.scaled(time.Duration(*svc.HealthCheckGrace) * time.Second)
}

// targetStates are the states at t of a task's registrations in the service's target
// groups, by group, and the next time one of them changes after t.
func (s *ecsState) targetStates(region string, svc *ecsService, task *ecsTask, t time.Time) (map[string]string, []time.Time) {
	reg := s.targetRegistry()
	if reg == nil {
		return nil, nil
	}
	states := map[string]string{}
	var next []time.Time
	for _, lb := range svc.LoadBalancers {
		state, at := reg.TargetHealth(region, lb.TargetGroupArn, svc.ARN, task.PrivateIP, t)
		states[lb.TargetGroupArn] = state
		if !at.IsZero() {
			next = append(next, at)
		}
	}
	return states, next
}

// healthEvents are the times after the service was last reconciled when a RUNNING task's
// load balancer health changes or its grace period ends.
func (s *ecsState) healthEvents(region string, svc *ecsService, task *ecsTask) []time.Time {
	if len(svc.LoadBalancers) == 0 {
		return nil
	}
	_, next := s.targetStates(region, svc, task, svc.LastReconciled)
	return append(next, task.StartedAt.Add(s.grace(svc)))
}

// healthyTasks counts a deployment's RUNNING tasks past their grace period that every target
// group of the service reports healthy at t (all RUNNING tasks, without load balancers).
func (s *ecsState) healthyTasks(region string, r *ecsRegion, svc *ecsService, deploymentID string, t time.Time) int {
	n := 0
	for _, task := range r.serviceTasks(svc) {
		if task.DeploymentID != deploymentID || task.State != "RUNNING" || t.Before(task.StartedAt.Add(s.grace(svc))) {
			continue
		}
		states, _ := s.targetStates(region, svc, task, t)
		healthy := true
		for _, st := range states {
			healthy = healthy && st == "healthy"
		}
		if healthy {
			n++
		}
	}
	return n
}

// replaceUnhealthy stops the RUNNING tasks a target group reports unhealthy at t once their
// grace period is over, and counts each as a failed task of its deployment; the scheduler
// then launches a replacement.
func (s *ecsState) replaceUnhealthy(region string, r *ecsRegion, svc *ecsService, t time.Time) {
	if svc.Status != "ACTIVE" || len(svc.LoadBalancers) == 0 {
		return
	}
	for _, task := range r.serviceTasks(svc) {
		if task.State != "RUNNING" || t.Before(task.StartedAt.Add(s.grace(svc))) {
			continue
		}
		states, _ := s.targetStates(region, svc, task, t)
		i := slices.IndexFunc(svc.LoadBalancers, func(lb ecsLoadBalancer) bool { return states[lb.TargetGroupArn] == "unhealthy" })
		if i < 0 {
			continue
		}
		lb := svc.LoadBalancers[i]
		svc.event(t, "(port %d) is unhealthy in (target-group %s) due to (reason Health checks failed).", *lb.ContainerPort, lb.TargetGroupArn)
		s.stopTask(region, task, t, "Task failed ELB health checks in (target-group "+lb.TargetGroupArn+")")
		svc.event(t, "has stopped 1 running tasks: (task %s).", task.ID)
		s.taskFailed(svc, task, t)
	}
}

// containerImage is the image of a task's container ("" when unknown).
func (r *ecsRegion) containerImage(task *ecsTask, container string) string {
	td, ok := r.TaskDefs[lastPartAfter(task.TaskDefARN, "task-definition/")]
	if !ok {
		return ""
	}
	for _, cd := range td.containers() {
		if cd.Name == container {
			return cd.Image
		}
	}
	return ""
}
