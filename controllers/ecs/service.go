package ecs

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

const resourceService = "service"

// createServiceAttempts bounds the fresh client tokens tried when CreateService keeps
// answering with a deleted service for a token.
const createServiceAttempts = 3

// serviceName is the name of fd's ECS service.
func (p *pass) serviceName() string { return p.name(cloud.ECSName, "service") }

// desiredCount is the task count the spec asks for: 0 while suspended; with autoscaling,
// the starting count within its range (afterwards autoscaling owns the count).
func (p *pass) desiredCount() int32 {
	spec := p.fd.Spec.Service
	if p.fd.Spec.Suspend {
		return 0
	}
	n := aws.ToInt32(spec.DesiredCount)
	if as := spec.Autoscaling; as != nil {
		n = min(max(n, as.MinCount), as.MaxCount)
	}
	return n
}

// autoscaled reports whether Application Auto Scaling owns the desired count.
func (p *pass) autoscaled() bool {
	return p.fd.Spec.Service.Autoscaling != nil && !p.fd.Spec.Suspend
}

// networkConfiguration places the tasks: in the private subnets behind the NAT gateway
// without public IPs, or, with natGateways None, in the public subnets with a
// public IP so that they can still pull their image and reach AWS APIs.
func (p *pass) networkConfiguration() *ecstypes.NetworkConfiguration {
	n := p.fd.Status.Network
	subnets, public := n.PrivateSubnets, ecstypes.AssignPublicIpDisabled
	if p.fd.Spec.Network.NATGateways == v1alpha1.NATGatewayNone {
		subnets, public = n.PublicSubnets, ecstypes.AssignPublicIpEnabled
	}
	ids := make([]string, 0, len(subnets))
	for _, s := range subnets {
		ids = append(ids, s.ID)
	}
	cfg := &ecstypes.AwsVpcConfiguration{Subnets: ids, AssignPublicIp: public}
	if sg := p.fd.Status.Service.ServiceSecurityGroupID; sg != "" {
		cfg.SecurityGroups = []string{sg}
	}
	return &ecstypes.NetworkConfiguration{AwsvpcConfiguration: cfg}
}

// loadBalancers binds the container to the target group, and also to the one being
// replaced while that still gets the traffic, so that the new tasks serve from the start.
func (p *pass) loadBalancers() []ecstypes.LoadBalancer {
	st := p.fd.Status.Service
	tgs := []string{st.TargetGroupARN}
	if p.servingPrevious {
		tgs = []string{st.PreviousTargetGroupARN, st.TargetGroupARN}
	}
	var out []ecstypes.LoadBalancer
	for _, tg := range tgs {
		out = append(out, ecstypes.LoadBalancer{
			TargetGroupArn: aws.String(tg),
			ContainerName:  aws.String(cloud.ContainerName),
			ContainerPort:  aws.Int32(p.fd.Spec.Service.ContainerPort),
		})
	}
	return out
}

func (p *pass) deploymentConfiguration() *ecstypes.DeploymentConfiguration {
	d := p.fd.Spec.Service.Deployment
	cb := aws.ToBool(d.CircuitBreaker)
	return &ecstypes.DeploymentConfiguration{
		MaximumPercent:           aws.Int32(d.MaximumPercent),
		MinimumHealthyPercent:    aws.Int32(d.MinimumHealthyPercent),
		DeploymentCircuitBreaker: &ecstypes.DeploymentCircuitBreaker{Enable: cb, Rollback: cb},
	}
}

// reconcileService finds (by the ARN in status, then by name in the cluster, then the
// ownership check) or creates the Fargate service, converges it, and follows its rollout.
func (p *pass) reconcileService(ctx context.Context) error {
	st := &p.fd.Status.Service
	if st.ClusterARN == "" || st.TaskDefinitionARN == "" {
		p.Stop()
		return nil
	}
	name := p.serviceName()
	svc, err := p.findService(ctx)
	if err != nil {
		return err
	}
	if svc != nil && aws.ToString(svc.Status) == "DRAINING" {
		if st.ServiceARN != "" {
			p.Drift(ctx, "service %s was deleted outside the operator; it is created again once drained", name)
			p.forgetService()
		}
		p.WaitFor(v1alpha1.ReasonWaitingForDeployment, deploymentPollInterval, "service %s is draining after a delete; waiting to create it again", name)
		p.Stop()
		return nil
	}
	if svc == nil {
		if st.ServiceARN != "" {
			p.Drift(ctx, "service %s was deleted; creating it again", name)
			p.forgetService()
		}
		if p.fd.Spec.Suspend {
			return nil // nothing to run
		}
		if st.ListenerARN == "" || st.TargetGroupARN == "" || st.ServiceSecurityGroupID == "" {
			p.WaitFor(v1alpha1.ReasonWaitingForLoadBalancer, loadBalancerPollInterval,
				"waiting for the load balancer's listener, target group and the tasks' security group before creating service %s", name)
			p.Stop()
			return nil
		}
		if !p.MayWrite(true, "ECS service %s", name) {
			p.Stop()
			return nil
		}
		if svc, err = p.createService(ctx, name); err != nil {
			return err
		}
	} else {
		if err := p.RepairTags(ctx, kindService, aws.ToString(svc.ServiceArn), p.Tags(resourceService), cloud.FromECS(svc.Tags), cloud.ECSTagger(p.ECS)); err != nil {
			return err
		}
		st.ServiceARN = aws.ToString(svc.ServiceArn)
		if err := p.checkFailedRollout(ctx, svc); err != nil {
			return err
		}
		if svc, err = p.updateService(ctx, svc); err != nil {
			return err
		}
	}
	p.service = svc
	return p.followRollout(ctx, svc)
}

// forgetService clears the service and what status says it runs: it is gone.
func (p *pass) forgetService() {
	st := &p.fd.Status.Service
	st.ServiceARN, st.RunningCount, st.DesiredCount, st.PendingCount, st.RolloutState, st.Image, st.DeploymentID = "", 0, 0, 0, "", "", ""
}

// findService describes the service in fd's cluster with its tags, once per pass; nil when
// it does not exist or is INACTIVE (deleted). A DRAINING service is returned.
func (p *pass) findService(ctx context.Context) (*ecstypes.Service, error) {
	if p.serviceRead {
		return p.service, nil
	}
	svc, err := p.describeService(ctx)
	if err != nil {
		return nil, err
	}
	p.service, p.serviceRead = svc, true
	return svc, nil
}

// describeService describes fd's service with its tags: by the ARN in status, then by
// name in the cluster status names (or fd's cluster's name).
func (p *pass) describeService(ctx context.Context) (*ecstypes.Service, error) {
	st := p.fd.Status.Service
	cluster := st.ClusterARN
	if cluster == "" {
		cluster = p.clusterName()
	}
	for _, ref := range []string{st.ServiceARN, p.serviceName()} {
		if ref == "" {
			continue
		}
		out, err := p.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{
			Cluster: aws.String(cluster), Services: []string{ref}, Include: []ecstypes.ServiceField{ecstypes.ServiceFieldTags},
		})
		if cloud.IsNotFound(err) {
			return nil, nil // no such cluster
		}
		if err != nil {
			return nil, fmt.Errorf("describe service %s in cluster %s: %w", ref, cluster, err)
		}
		for i := range out.Services {
			if aws.ToString(out.Services[i].Status) != "INACTIVE" {
				return &out.Services[i], nil
			}
		}
	}
	return nil, nil
}

// createService creates the service with a client token derived from the object's UID and
// every parameter of the request, so that a retry after a crash gets the same service.
// A token AWS answers with a deleted (INACTIVE) service is spent: the next one is keyed by
// that service's creation time, which a retry computes again.
func (p *pass) createService(ctx context.Context, name string) (*ecstypes.Service, error) {
	st := &p.fd.Status.Service
	in := &ecs.CreateServiceInput{
		Cluster:                       aws.String(st.ClusterARN),
		ServiceName:                   aws.String(name),
		TaskDefinition:                aws.String(st.TaskDefinitionARN),
		DesiredCount:                  aws.Int32(p.desiredCount()),
		LaunchType:                    ecstypes.LaunchTypeFargate,
		SchedulingStrategy:            ecstypes.SchedulingStrategyReplica,
		NetworkConfiguration:          p.networkConfiguration(),
		LoadBalancers:                 p.loadBalancers(),
		DeploymentConfiguration:       p.deploymentConfiguration(),
		HealthCheckGracePeriodSeconds: p.fd.Spec.Service.HealthCheckGracePeriodSeconds,
		Tags:                          cloud.ToECS(p.Tags(resourceService)),
	}
	body, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("encode service %s request: %w", name, err)
	}
	key := "service/" + string(body)
	for range createServiceAttempts {
		in.ClientToken = aws.String(stage.ClientToken(p.fd.UID, key, 0, 36))
		out, err := p.ECS.CreateService(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("create service %s in cluster %s: %w", name, st.ClusterARN, err)
		}
		svc := out.Service
		if aws.ToString(svc.Status) != "ACTIVE" {
			key += "/after/" + aws.ToTime(svc.CreatedAt).UTC().String()
			continue
		}
		st.ServiceARN = aws.ToString(svc.ServiceArn)
		if d := primaryDeployment(svc); d != nil {
			st.DeploymentID = aws.ToString(d.Id)
		}
		p.Created(ctx, kindService, st.ServiceARN)
		return svc, stage.CheckpointCreated(ctx, "service "+name)
	}
	return nil, fmt.Errorf("create service %s: AWS keeps answering with a deleted service for fresh client tokens", name)
}

// updateService converges the task definition, desired count (unless autoscaling owns
// it), placement, load balancer binding and deployment configuration in one call. Each
// difference is a change when the spec changed since the last pass, drift when AWS did.
func (p *pass) updateService(ctx context.Context, svc *ecstypes.Service) (*ecstypes.Service, error) {
	st := p.fd.Status.Service
	name := aws.ToString(svc.ServiceName)
	in := &ecs.UpdateServiceInput{Cluster: svc.ClusterArn, Service: svc.ServiceArn}
	var notes []string
	update := false
	switch have := aws.ToString(svc.TaskDefinition); {
	case have != st.TaskDefinitionARN && p.failed == nil:
		in.TaskDefinition = aws.String(st.TaskDefinitionARN)
		notes = append(notes, fmt.Sprintf("task definition %s replaced by %s", revision(have), revision(st.TaskDefinitionARN)))
		update = true
	case p.retry:
		in.ForceNewDeployment = true
		notes = append(notes, fmt.Sprintf("failed deployment of %s retried", revision(have)))
		update = true
	}
	if want := p.desiredCount(); !p.autoscaled() && svc.DesiredCount != want {
		in.DesiredCount = aws.Int32(want)
		notes = append(notes, fmt.Sprintf("desired count %d set to %d", svc.DesiredCount, want))
		update = true
	}
	if want := p.networkConfiguration(); !sameNetwork(svc.NetworkConfiguration, want) && len(want.AwsvpcConfiguration.SecurityGroups) > 0 {
		in.NetworkConfiguration = want
		notes = append(notes, fmt.Sprintf("placement set to subnets %s (public IP %s)",
			strings.Join(want.AwsvpcConfiguration.Subnets, ", "), want.AwsvpcConfiguration.AssignPublicIp))
		update = true
	}
	if st.TargetGroupARN != "" && !sameLoadBalancers(svc.LoadBalancers, p.loadBalancers()) {
		in.LoadBalancers = p.loadBalancers()
		var tgs []string
		for _, lb := range in.LoadBalancers {
			tgs = append(tgs, aws.ToString(lb.TargetGroupArn))
		}
		notes = append(notes, "load balancer binding set to target group "+strings.Join(tgs, " and "))
		update = true
	}
	if want := p.fd.Spec.Service.HealthCheckGracePeriodSeconds; want != nil && aws.ToInt32(svc.HealthCheckGracePeriodSeconds) != *want {
		in.HealthCheckGracePeriodSeconds = want
		notes = append(notes, fmt.Sprintf("health check grace period %ds set to %ds", aws.ToInt32(svc.HealthCheckGracePeriodSeconds), *want))
		update = true
	}
	if want := p.deploymentConfiguration(); !sameDeploymentConfiguration(svc.DeploymentConfiguration, want) {
		in.DeploymentConfiguration = want
		notes = append(notes, fmt.Sprintf("deployment configuration set to maximum %d%%, minimum healthy %d%%, circuit breaker %t",
			*want.MaximumPercent, *want.MinimumHealthyPercent, want.DeploymentCircuitBreaker.Enable))
		update = true
	}
	if !update {
		return svc, nil
	}
	if !p.MayWrite(false, "service %s: %s", name, strings.Join(notes, "; ")) {
		return svc, nil
	}
	out, err := p.ECS.UpdateService(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("update service %s (%s): %w", name, strings.Join(notes, "; "), err)
	}
	if d := primaryDeployment(out.Service); (in.TaskDefinition != nil || in.ForceNewDeployment) && d != nil {
		p.fd.Status.Service.DeploymentID = aws.ToString(d.Id)
	}
	p.repair(ctx, "UpdatedService", "service %s: %s", name, strings.Join(notes, "; "))
	return out.Service, nil
}

func sameNetwork(have *ecstypes.NetworkConfiguration, want *ecstypes.NetworkConfiguration) bool {
	if have == nil || have.AwsvpcConfiguration == nil {
		return false
	}
	h, w := have.AwsvpcConfiguration, want.AwsvpcConfiguration
	return slices.Equal(sorted(h.Subnets), sorted(w.Subnets)) && slices.Equal(sorted(h.SecurityGroups), sorted(w.SecurityGroups)) &&
		h.AssignPublicIp == w.AssignPublicIp
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func sameLoadBalancers(have, want []ecstypes.LoadBalancer) bool {
	if len(have) != len(want) {
		return false
	}
	for i := range have {
		if aws.ToString(have[i].TargetGroupArn) != aws.ToString(want[i].TargetGroupArn) ||
			aws.ToString(have[i].ContainerName) != aws.ToString(want[i].ContainerName) ||
			aws.ToInt32(have[i].ContainerPort) != aws.ToInt32(want[i].ContainerPort) {
			return false
		}
	}
	return true
}

func sameDeploymentConfiguration(have, want *ecstypes.DeploymentConfiguration) bool {
	if have == nil {
		return false
	}
	hcb := have.DeploymentCircuitBreaker
	if hcb == nil {
		hcb = &ecstypes.DeploymentCircuitBreaker{}
	}
	return aws.ToInt32(have.MaximumPercent) == aws.ToInt32(want.MaximumPercent) &&
		aws.ToInt32(have.MinimumHealthyPercent) == aws.ToInt32(want.MinimumHealthyPercent) &&
		hcb.Enable == want.DeploymentCircuitBreaker.Enable && hcb.Rollback == want.DeploymentCircuitBreaker.Rollback
}

// primaryDeployment is the service's PRIMARY deployment, nil before it has one.
func primaryDeployment(svc *ecstypes.Service) *ecstypes.Deployment {
	for i := range svc.Deployments {
		if aws.ToString(svc.Deployments[i].Status) == "PRIMARY" {
			return &svc.Deployments[i]
		}
	}
	return nil
}

// checkFailedRollout decides whether the revision status asks for may be deployed. It may
// not when its rollout failed for this spec generation: recorded in status, or found now
// in ECS's own account of the rollout the stage followed (status.service.deploymentID):
// that deployment's rolloutState FAILED while it is listed, or, once it has left the
// service (the circuit breaker's rollback completed), the service's event saying it
// failed. A failure found is recorded with why the tasks stopped; p.failed then holds the
// terminal error the pass ends with, and the service keeps what it runs.
func (p *pass) checkFailedRollout(ctx context.Context, svc *ecstypes.Service) error {
	st := &p.fd.Status.Service
	want := st.TaskDefinitionARN
	if f := st.FailedDeployment; f != nil {
		if f.TaskDefinitionARN == want && f.Generation == p.fd.Generation {
			p.failed = failedError(f)
			return nil
		}
		// The spec changed since: deploy again, as a new deployment even of the same
		// revision, and follow that one rather than the failed one.
		st.FailedDeployment, st.DeploymentID = nil, ""
		p.retry = f.TaskDefinitionARN == want
		return nil
	}
	failedID, reason := "", ""
	for _, d := range svc.Deployments {
		id := aws.ToString(d.Id)
		if aws.ToString(d.TaskDefinition) == want && d.RolloutState == ecstypes.DeploymentRolloutStateFailed &&
			(st.DeploymentID == "" || st.DeploymentID == id) {
			failedID, reason = id, aws.ToString(d.RolloutStateReason)
		}
	}
	if failedID == "" && st.DeploymentID != "" && aws.ToString(svc.TaskDefinition) != want && deploymentFailedEvent(svc, st.DeploymentID) {
		failedID = st.DeploymentID
	}
	if failedID == "" {
		return nil
	}
	f := &v1alpha1.FailedDeployment{TaskDefinitionARN: want, Generation: p.fd.Generation, Reason: reason}
	if have := aws.ToString(svc.TaskDefinition); have != want {
		f.RolledBackTo = have
	}
	stopped, err := p.stoppedReason(ctx, svc, want)
	if err != nil {
		return err
	}
	if stopped != "" {
		f.Reason = stopped
	}
	def, _, err := p.describeTaskDefinition(ctx, want)
	if err != nil {
		return err
	}
	if f.Image = imageOf(def); f.Image != "" {
		missing, err := p.missingFromECR(ctx, f.Image)
		if err != nil {
			return err
		}
		if missing != "" {
			f.Reason += fmt.Sprintf("; image %s is missing from ECR repository %s: push it (or set spec.service.image to an image that exists)", f.Image, missing)
		}
	}
	st.FailedDeployment = f
	log.FromContext(ctx).Info("Deployment failed", "taskDefinitionARN", want, "deploymentID", failedID, "reason", f.Reason)
	p.failed = failedError(f)
	return nil
}

// deploymentFailedEvent reports whether the service's events say that deployment id
// failed ("(service web) (deployment ecs-svc/123) deployment failed: tasks failed to
// start."): ECS's record of a rollout once the deployment itself is gone.
func deploymentFailedEvent(svc *ecstypes.Service, id string) bool {
	tag := "(deployment " + id + ") deployment failed"
	return slices.ContainsFunc(svc.Events, func(e ecstypes.ServiceEvent) bool {
		return strings.Contains(aws.ToString(e.Message), tag)
	})
}

// failedError is the terminal error that reports a failed rollout.
func failedError(f *v1alpha1.FailedDeployment) error {
	var b strings.Builder
	fmt.Fprintf(&b, "deployment of %s (image %s) failed: the deployment circuit breaker stopped it", revision(f.TaskDefinitionARN), f.Image)
	if f.RolledBackTo != "" {
		fmt.Fprintf(&b, " and rolled the service back to %s", revision(f.RolledBackTo))
	}
	if f.Reason != "" {
		fmt.Fprintf(&b, "; last stopped task: %s", f.Reason)
	}
	b.WriteString("; it is not deployed again until the spec changes")
	return stage.Terminalf(v1alpha1.ReasonDeploymentFailed, "%s", b.String())
}

// reportRollout ends the pass with the failed rollout found, once every other step ran.
func (p *pass) reportRollout(context.Context) error { return p.failed }

// followRollout records the service's counts and its PRIMARY deployment in status; a
// rollout in progress, or tasks not all running, is a wait; a steady service records the
// deployed revision.
func (p *pass) followRollout(ctx context.Context, svc *ecstypes.Service) error {
	st := &p.fd.Status.Service
	st.RunningCount, st.DesiredCount, st.PendingCount = svc.RunningCount, svc.DesiredCount, svc.PendingCount
	if err := p.recordImage(ctx, aws.ToString(svc.TaskDefinition)); err != nil {
		return err
	}
	primary := primaryDeployment(svc)
	if primary == nil {
		st.RolloutState = ""
		p.WaitFor(v1alpha1.ReasonWaitingForDeployment, deploymentPollInterval, "service %s has no deployment yet", aws.ToString(svc.ServiceName))
		return nil
	}
	td := aws.ToString(primary.TaskDefinition)
	st.RolloutState = string(primary.RolloutState)
	if td == st.TaskDefinitionARN {
		st.DeploymentID = aws.ToString(primary.Id)
	}
	if p.failed != nil {
		return nil
	}
	switch {
	case primary.RolloutState == ecstypes.DeploymentRolloutStateInProgress:
		p.WaitFor(v1alpha1.ReasonWaitingForDeployment, deploymentPollInterval, "deployment of %s in progress: %d/%d tasks running",
			revision(td), primary.RunningCount, primary.DesiredCount)
		return nil
	case primary.RolloutState != ecstypes.DeploymentRolloutStateCompleted:
		p.WaitFor(v1alpha1.ReasonWaitingForDeployment, deploymentPollInterval, "deployment of %s is %s", revision(td), primary.RolloutState)
		return nil
	case svc.RunningCount != svc.DesiredCount || len(svc.Deployments) > 1:
		p.WaitFor(v1alpha1.ReasonWaitingForDeployment, deploymentPollInterval, "service %s: %d/%d tasks running",
			aws.ToString(svc.ServiceName), svc.RunningCount, svc.DesiredCount)
		return nil
	}
	healthy, registered, err := p.targetHealth(ctx)
	if err != nil {
		return err
	}
	if want := max(registered, svc.DesiredCount); healthy != want {
		p.WaitFor(v1alpha1.ReasonWaitingForDeployment, deploymentPollInterval, "service %s: %d/%d targets healthy in target group %s",
			aws.ToString(svc.ServiceName), healthy, want, p.fd.Status.Service.TargetGroupARN)
		return nil
	}
	if dr := p.fd.Status.DeployedRevision; dr != nil && dr.TaskDefinitionARN == td {
		return nil
	}
	if p.Light() {
		p.NeedFull("service %s runs %s steadily, not yet recorded as deployed", p.serviceName(), revision(td))
		return nil
	}
	// Revisions are superseded only when another one is deployed: they are pruned then,
	// before the new one is recorded, so that a prune that fails is tried again.
	if err := p.pruneRevisions(ctx, td); err != nil {
		return err
	}
	return p.recordDeployed(ctx, td)
}

// recordImage records the image of td, the task definition the service runs: the deployed
// revision's when td is that one (a revision never changes), else as described.
func (p *pass) recordImage(ctx context.Context, td string) error {
	if dr := p.fd.Status.DeployedRevision; dr != nil && dr.TaskDefinitionARN == td {
		p.fd.Status.Service.Image = dr.Image
		return nil
	}
	running, _, err := p.describeTaskDefinition(ctx, td)
	if err != nil {
		return err
	}
	p.fd.Status.Service.Image = imageOf(running)
	return nil
}

// targetHealth counts the targets registered in the target group (those draining out
// after their task stopped aside) and the healthy ones among them.
func (p *pass) targetHealth(ctx context.Context) (healthy, registered int32, err error) {
	tg := p.fd.Status.Service.TargetGroupARN
	if tg == "" {
		return 0, 0, nil
	}
	out, err := p.ELB.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
	if err != nil {
		return 0, 0, fmt.Errorf("describe target health of target group %s: %w", tg, err)
	}
	for _, d := range out.TargetHealthDescriptions {
		if d.TargetHealth == nil || d.TargetHealth.State == elbv2types.TargetHealthStateEnumDraining {
			continue
		}
		registered++
		if d.TargetHealth.State == elbv2types.TargetHealthStateEnumHealthy {
			healthy++
		}
	}
	return healthy, registered, nil
}

// recordDeployed writes status.deployedRevision once the service runs td steadily.
func (p *pass) recordDeployed(ctx context.Context, td string) error {
	def, _, err := p.describeTaskDefinition(ctx, td)
	if err != nil || def == nil {
		return err
	}
	s, _ := specOf(def)
	dr := p.fd.Status.DeployedRevision
	if dr == nil || dr.Image != s.Image {
		dr = &v1alpha1.DeployedRevision{} // commit and execution belong to the previous image
	}
	dr.Image, dr.TaskDefinitionARN = s.Image, td
	p.fd.Status.DeployedRevision = dr
	p.Changed(ctx, "DeployedRevision", "Service %s runs %s (image %s)", p.serviceName(), revision(td), s.Image)
	return nil
}

// stoppedReason is the stop reason of the newest stopped task of td (its container's
// reason when ECS gives one), "" when none is left to describe.
func (p *pass) stoppedReason(ctx context.Context, svc *ecstypes.Service, td string) (string, error) {
	list, err := p.ECS.ListTasks(ctx, &ecs.ListTasksInput{
		Cluster: svc.ClusterArn, ServiceName: svc.ServiceName, DesiredStatus: ecstypes.DesiredStatusStopped,
	})
	if cloud.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("list stopped tasks of service %s: %w", aws.ToString(svc.ServiceName), err)
	}
	if len(list.TaskArns) == 0 {
		return "", nil
	}
	arns := list.TaskArns[max(0, len(list.TaskArns)-100):]
	out, err := p.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: svc.ClusterArn, Tasks: arns})
	if err != nil {
		return "", fmt.Errorf("describe stopped tasks of service %s: %w", aws.ToString(svc.ServiceName), err)
	}
	var newest *ecstypes.Task
	for i := range out.Tasks {
		t := &out.Tasks[i]
		if aws.ToString(t.TaskDefinitionArn) != td {
			continue
		}
		if newest == nil || aws.ToTime(t.StoppedAt).After(aws.ToTime(newest.StoppedAt)) {
			newest = t
		}
	}
	if newest == nil {
		return "", nil
	}
	for _, c := range newest.Containers {
		if r := aws.ToString(c.Reason); r != "" {
			return r, nil
		}
	}
	return aws.ToString(newest.StoppedReason), nil
}

// missingFromECR returns the repository name when image is in this account's ECR (as the
// repository URI in status names it) and ECR does not have it; "" otherwise.
func (p *pass) missingFromECR(ctx context.Context, image string) (string, error) {
	host, path, ok := strings.Cut(image, "/")
	if !ok || !strings.Contains(host, ".dkr.ecr.") {
		return "", nil
	}
	repo, id := path, ecrtypes.ImageIdentifier{ImageTag: aws.String(latestTag)}
	if i := strings.Index(path, "@"); i >= 0 {
		repo, id = path[:i], ecrtypes.ImageIdentifier{ImageDigest: aws.String(path[i+1:])}
	} else if i := strings.LastIndex(path, ":"); i >= 0 {
		repo, id = path[:i], ecrtypes.ImageIdentifier{ImageTag: aws.String(path[i+1:])}
	}
	in := &ecr.DescribeImagesInput{RepositoryName: aws.String(repo), ImageIds: []ecrtypes.ImageIdentifier{id}}
	if registry, _, _ := strings.Cut(host, "."); registry != "" {
		in.RegistryId = aws.String(registry)
	}
	_, err := p.ECR.DescribeImages(ctx, in)
	switch {
	case cloud.IsNotFound(err):
		return repo, nil
	case err != nil:
		return "", fmt.Errorf("describe image %s: %w", image, err)
	}
	return "", nil
}

// deleteService adopts the revision the pipeline deployed last, scales the service to
// zero, deletes it (force) and waits until it is INACTIVE: while DRAINING its tasks still
// hold network interfaces in the subnets. A service that is not fd's is left in place; in
// fd's cluster, which AWS does not delete while it holds a service, that is
// DeletionBlocked.
func (p *pass) deleteService(ctx context.Context) (bool, error) {
	svc, err := p.findService(ctx)
	if err != nil {
		return false, err
	}
	if svc == nil {
		p.forgetService()
		return true, nil
	}
	name, arn := aws.ToString(svc.ServiceName), aws.ToString(svc.ServiceArn)
	if tags := cloud.FromECS(svc.Tags); !p.Deletable(ctx, kindService, arn, tags) {
		cl, err := p.findCluster(ctx)
		if err != nil {
			return false, err
		}
		if cl != nil && aws.ToString(cl.ClusterArn) == aws.ToString(svc.ClusterArn) && p.Owner().Owns(cloud.FromECS(cl.Tags)) {
			return false, stage.Terminalf(v1alpha1.ReasonDeletionBlocked,
				"ECS service %s is not this object's (%s) and AWS does not delete this object's cluster %s while it holds a service: delete that service yourself",
				arn, p.Owner().Describe(tags), aws.ToString(cl.ClusterArn))
		}
		p.forgetService()
		return true, nil
	}
	if aws.ToString(svc.Status) == "ACTIVE" {
		// Once the service is gone nothing proves a revision the pipeline deployed since
		// the last pass fd's: adopted now, deleteTaskDefinitions deletes it.
		if _, err := p.adoptDeployedRevision(ctx, svc); err != nil {
			return false, err
		}
		if svc.DesiredCount > 0 {
			if _, err := p.ECS.UpdateService(ctx, &ecs.UpdateServiceInput{
				Cluster: svc.ClusterArn, Service: svc.ServiceArn, DesiredCount: aws.Int32(0),
			}); err != nil && !cloud.IsNotFound(err) {
				return false, fmt.Errorf("scale service %s to zero: %w", name, err)
			}
		}
		if _, err := p.ECS.DeleteService(ctx, &ecs.DeleteServiceInput{
			Cluster: svc.ClusterArn, Service: svc.ServiceArn, Force: aws.Bool(true),
		}); err != nil {
			if cloud.IsNotFound(err) {
				return true, nil
			}
			return false, fmt.Errorf("delete service %s: %w", name, err)
		}
		p.Deleted(ctx, kindService, arn)
	}
	p.WaitFor(v1alpha1.ReasonWaitingForDeletion, deletePollInterval, "service %s draining: %d task(s) still running", name, svc.RunningCount+svc.PendingCount)
	return false, nil
}
