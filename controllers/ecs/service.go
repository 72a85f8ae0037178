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
	"k8s.io/apimachinery/pkg/api/meta"

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
	n := int32(2)
	if spec.DesiredCount != nil {
		n = *spec.DesiredCount
	}
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
// without public IPs, or, with natGateways None (issue 4), in the public subnets with a
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

func (p *pass) loadBalancers() []ecstypes.LoadBalancer {
	return []ecstypes.LoadBalancer{{
		TargetGroupArn: aws.String(p.fd.Status.Service.TargetGroupARN),
		ContainerName:  aws.String(cloud.ContainerName),
		ContainerPort:  aws.Int32(containerPort(p.fd)),
	}}
}

func (p *pass) deploymentConfiguration() *ecstypes.DeploymentConfiguration {
	d := p.fd.Spec.Service.Deployment
	cb := d.CircuitBreaker == nil || *d.CircuitBreaker
	return &ecstypes.DeploymentConfiguration{
		MaximumPercent:           aws.Int32(orDefault(d.MaximumPercent, 200)),
		MinimumHealthyPercent:    aws.Int32(orDefault(d.MinimumHealthyPercent, 50)),
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
			st.ServiceARN, st.RunningCount = "", 0
		}
		p.WaitFor(v1alpha1.ReasonWaitingForDeployment, deploymentPollInterval, "service %s is draining after a delete; waiting to create it again", name)
		p.Stop()
		return nil
	}
	if svc == nil {
		if st.ServiceARN != "" {
			p.Drift(ctx, "service %s was deleted; creating it again", name)
			st.ServiceARN, st.RunningCount = "", 0
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
		if svc, err = p.updateService(ctx, svc); err != nil {
			return err
		}
	}
	st.RunningCount = svc.RunningCount
	return p.followRollout(ctx, svc)
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
		Cluster:                 aws.String(st.ClusterARN),
		ServiceName:             aws.String(name),
		TaskDefinition:          aws.String(st.TaskDefinitionARN),
		DesiredCount:            aws.Int32(p.desiredCount()),
		LaunchType:              ecstypes.LaunchTypeFargate,
		SchedulingStrategy:      ecstypes.SchedulingStrategyReplica,
		NetworkConfiguration:    p.networkConfiguration(),
		LoadBalancers:           p.loadBalancers(),
		DeploymentConfiguration: p.deploymentConfiguration(),
		Tags:                    cloud.ToECS(p.Tags(resourceService)),
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
	if have := aws.ToString(svc.TaskDefinition); have != st.TaskDefinitionARN {
		if p.failedBefore() {
			// The circuit breaker rolled this revision back and the spec has not changed
			// since: deploying it again would fail again.
			return nil, stage.Terminalf(v1alpha1.ReasonDeploymentFailed, "%s", p.failedMessage())
		}
		in.TaskDefinition = aws.String(st.TaskDefinitionARN)
		notes = append(notes, fmt.Sprintf("task definition %s replaced by %s", revision(have), revision(st.TaskDefinitionARN)))
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
		notes = append(notes, "load balancer binding set to target group "+st.TargetGroupARN)
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

// failedBefore reports whether the last pass ended with the rollout of this generation's
// task definition failed: the stage's condition still says so.
func (p *pass) failedBefore() bool {
	c := meta.FindStatusCondition(p.fd.Status.Conditions, v1alpha1.ConditionServiceReady)
	return c != nil && c.Reason == v1alpha1.ReasonDeploymentFailed && c.ObservedGeneration == p.fd.Generation
}

func (p *pass) failedMessage() string {
	if c := meta.FindStatusCondition(p.fd.Status.Conditions, v1alpha1.ConditionServiceReady); c != nil {
		return c.Message
	}
	return "deployment failed"
}

// followRollout reports the PRIMARY deployment: in progress is a wait, failed (or rolled
// back by the circuit breaker) is terminal with the tasks' stop reason, completed with
// every task running records the deployed revision.
func (p *pass) followRollout(ctx context.Context, svc *ecstypes.Service) error {
	want := p.fd.Status.Service.TaskDefinitionARN
	var primary *ecstypes.Deployment
	for i := range svc.Deployments {
		if aws.ToString(svc.Deployments[i].Status) == "PRIMARY" {
			primary = &svc.Deployments[i]
		}
	}
	if primary == nil {
		p.WaitFor(v1alpha1.ReasonWaitingForDeployment, deploymentPollInterval, "service %s has no deployment yet", aws.ToString(svc.ServiceName))
		return nil
	}
	td := aws.ToString(primary.TaskDefinition)
	switch {
	case primary.RolloutState == ecstypes.DeploymentRolloutStateFailed:
		return p.deploymentFailed(ctx, svc, td, "")
	case td != want && rollingBack(primary):
		return p.deploymentFailed(ctx, svc, want, revision(td))
	case primary.RolloutState == ecstypes.DeploymentRolloutStateInProgress:
		p.WaitFor(v1alpha1.ReasonWaitingForDeployment, deploymentPollInterval, "deployment of %s in progress: %d/%d tasks running",
			revision(td), primary.RunningCount, primary.DesiredCount)
		return nil
	case svc.RunningCount != svc.DesiredCount || len(svc.Deployments) > 1:
		p.WaitFor(v1alpha1.ReasonWaitingForDeployment, deploymentPollInterval, "service %s: %d/%d tasks running",
			aws.ToString(svc.ServiceName), svc.RunningCount, svc.DesiredCount)
		return nil
	}
	return p.recordDeployed(ctx, td)
}

// rollingBack reports whether a deployment is the circuit breaker's rollback. ECS says so
// only in the deployment's rollout reason.
func rollingBack(d *ecstypes.Deployment) bool {
	r := aws.ToString(d.RolloutStateReason)
	return strings.Contains(r, "circuit breaker") && strings.Contains(r, "rolling back")
}

// recordDeployed writes status.deployedRevision once the service runs td steadily.
func (p *pass) recordDeployed(ctx context.Context, td string) error {
	if dr := p.fd.Status.DeployedRevision; dr != nil && dr.TaskDefinitionARN == td {
		return nil
	}
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

// deploymentFailed is the terminal error of a failed rollout of td, with why the tasks
// stopped and, when the image is missing from ECR, that it is.
func (p *pass) deploymentFailed(ctx context.Context, svc *ecstypes.Service, td, rolledBackTo string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "deployment of %s failed", revision(td))
	if cb := svc.DeploymentConfiguration; cb != nil && cb.DeploymentCircuitBreaker != nil && cb.DeploymentCircuitBreaker.Enable {
		b.WriteString(": the deployment circuit breaker stopped it because tasks failed to start")
	}
	if rolledBackTo != "" {
		fmt.Fprintf(&b, " and rolled the service back to %s", rolledBackTo)
	}
	reason, err := p.stoppedReason(ctx, svc, td)
	if err != nil {
		return err
	}
	if reason != "" {
		fmt.Fprintf(&b, "; last stopped task: %s", reason)
	}
	def, _, err := p.describeTaskDefinition(ctx, td)
	if err != nil {
		return err
	}
	if def != nil {
		if s, ok := specOf(def); ok {
			missing, err := p.missingFromECR(ctx, s.Image)
			if err != nil {
				return err
			}
			if missing != "" {
				fmt.Fprintf(&b, "; image %s is missing from ECR repository %s: push it (or set spec.service.image to an image that exists)", s.Image, missing)
			}
		}
	}
	b.WriteString("; the deployment is retried when the spec changes")
	return stage.Terminalf(v1alpha1.ReasonDeploymentFailed, "%s", b.String())
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

// deleteService scales the service to zero, deletes it (force) and waits until it is
// INACTIVE: while DRAINING its tasks still hold network interfaces in the subnets. A
// service that is not fd's is left in place; in fd's cluster, which AWS does not delete
// while it holds a service, that is DeletionBlocked.
func (p *pass) deleteService(ctx context.Context) (bool, error) {
	svc, err := p.findService(ctx)
	if err != nil {
		return false, err
	}
	if svc == nil {
		p.fd.Status.Service.ServiceARN, p.fd.Status.Service.RunningCount = "", 0
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
		p.fd.Status.Service.ServiceARN, p.fd.Status.Service.RunningCount = "", 0
		return true, nil
	}
	if aws.ToString(svc.Status) == "ACTIVE" {
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
