package awssim

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// The CodePipeline ECS (standard) deploy action, seen from ECS: register a new revision of
// the service's current task definition with the images of imagedefinitions.json, then
// update the service to it, which starts a new PRIMARY deployment. The lock must be held.

// DeployImages registers a copy of the service's current task definition (a new revision of
// its family, without its tags) with each named container's image replaced, points the
// service at it and returns the new revision's ARN. A name that is not a container of the
// task definition fails the deploy, as on AWS.
func (s *ecsState) DeployImages(region, cluster, service string, images map[string]string, now time.Time) (string, error) {
	r := s.regionAt(region, now)
	cl, ok := r.Clusters[cluster]
	if !ok || cl.Status != "ACTIVE" {
		return "", fmt.Errorf("the ECS cluster %s does not exist", cluster)
	}
	svc, ok := cl.Services[service]
	if !ok || svc.Status != "ACTIVE" {
		return "", fmt.Errorf("the ECS service %s does not exist in cluster %s", service, cluster)
	}
	cur, ok := r.TaskDefs[lastPartAfter(svc.TaskDefinition, "task-definition/")]
	if !ok {
		return "", fmt.Errorf("the task definition %s of service %s does not exist", svc.TaskDefinition, service)
	}
	if len(images) == 0 {
		return "", fmt.Errorf("the image definitions file is empty")
	}
	containers := make([]map[string]any, 0, len(cur.Containers))
	names := map[string]bool{}
	for _, def := range cur.Containers {
		def = maps.Clone(def)
		name, _ := def["name"].(string)
		names[name] = true
		if img, ok := images[name]; ok {
			def["image"] = img
		}
		containers = append(containers, def)
	}
	for _, name := range slices.Sorted(maps.Keys(images)) {
		if !names[name] {
			return "", fmt.Errorf("the AWS ECS container %s does not exist in the task definition %s", name, cur.ARN)
		}
	}
	td := *cur
	td.Containers, td.Status, td.RegisteredAt, td.DeregisteredAt = containers, "ACTIVE", now, nil
	// Whether AWS copies the tags of the revision it copies is not documented, and deploy
	// tools that register such copies commonly drop them: the stricter assumption, so
	// that nothing is built on tags the copy may not carry.
	td.Tags = nil
	r.Revisions[td.Family]++
	td.Revision = r.Revisions[td.Family]
	key := fmt.Sprintf("%s:%d", td.Family, td.Revision)
	td.ARN = ARN("ecs", region, "task-definition/"+key)
	r.TaskDefs[key] = &td
	svc.TaskDefinition = td.ARN
	svc.newDeployment(s.sim, now)
	s.reconcile(region, r, svc, now)
	return td.ARN, nil
}

// DeploymentRollout reports the rollout state of the service's deployment of a task
// definition: IN_PROGRESS, COMPLETED or FAILED (with the reason). A deployment that has
// left the service without completing (replaced, or rolled back by the circuit breaker)
// counts as FAILED.
func (s *ecsState) DeploymentRollout(region, cluster, service, taskDefinitionARN string, now time.Time) (state, reason string) {
	r := s.regionAt(region, now)
	cl, ok := r.Clusters[cluster]
	if !ok {
		return "FAILED", "The ECS cluster " + cluster + " does not exist."
	}
	svc, ok := cl.Services[service]
	if !ok || svc.Status != "ACTIVE" {
		return "FAILED", "The ECS service " + service + " is not active."
	}
	for _, d := range svc.Deployments {
		if d.TaskDefinition == taskDefinitionARN {
			return d.Rollout, d.RolloutReason
		}
	}
	if prev := svc.LastCompleted; prev != nil && prev.TaskDefinition == taskDefinitionARN {
		return "COMPLETED", prev.RolloutReason
	}
	return "FAILED", "The deployment of " + taskDefinitionARN + " was replaced before it completed."
}
