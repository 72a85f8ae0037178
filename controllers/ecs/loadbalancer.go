package ecs

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// The resource tags of the load balancer and its listener.
const (
	resourceLoadBalancer = "alb"
	resourceListener     = "listener"
)

const idleTimeoutAttribute = "idle_timeout.timeout_seconds"

// loadBalancerName is the load balancer's deterministic name.
func (p *pass) loadBalancerName() string { return p.name(cloud.ELBName, "alb") }

// reconcileLoadBalancer finds or creates the internet-facing Application Load Balancer in
// the public subnets, behind the load balancer's security group, and keeps its tags,
// groups and idle timeout as the spec says. A provisioning load balancer is a wait, but
// not a stop: the target group and listener can be created meanwhile. Suspended, it is
// deleted (it is billed by the hour) and its listener with it.
func (p *pass) reconcileLoadBalancer(ctx context.Context) error {
	st := &p.fd.Status.Service
	name := p.loadBalancerName()
	lb, err := p.findLoadBalancer(ctx)
	if err != nil {
		return err
	}
	if lb != nil && !p.Known(st.LoadBalancerARN, aws.ToString(lb.LoadBalancerArn)) {
		return nil
	}
	if lb != nil && p.ReadsTags() {
		arn := aws.ToString(lb.LoadBalancerArn)
		have, err := p.elbTagsOf(ctx, arn)
		switch {
		case err != nil:
			return err
		case have == nil: // deleted since
			lb = nil
		case p.fd.Spec.Suspend:
			if err := p.CheckOwner(kindLoadBalancer, arn, have); err != nil || !p.Owner().Owns(have) {
				return err
			}
		default:
			if err := p.RepairTags(ctx, kindLoadBalancer, arn, p.Tags(resourceLoadBalancer), have, cloud.ELBTagger(p.ELB)); err != nil {
				return err
			}
		}
	}
	if p.fd.Spec.Suspend {
		return p.suspendLoadBalancer(ctx, lb)
	}
	if st.LoadBalancerARN != "" && (lb == nil || aws.ToString(lb.LoadBalancerArn) != st.LoadBalancerARN) {
		if lb == nil {
			p.Drift(ctx, "load balancer %s no longer exists; creating a new one", st.LoadBalancerARN)
		}
		p.forgetLoadBalancer()
	}
	created := false
	if lb == nil {
		if !p.MayWrite(true, "load balancer %s", name) {
			return nil
		}
		if lb, err = p.createLoadBalancer(ctx, name); err != nil {
			return err
		}
		created = true
	}
	arn := aws.ToString(lb.LoadBalancerArn)
	st.LoadBalancerARN, st.LoadBalancerDNS = arn, aws.ToString(lb.DNSName)
	if !created {
		if err := p.reconcileLoadBalancerSecurityGroups(ctx, lb); err != nil {
			return err
		}
	}
	if err := p.reconcileIdleTimeout(ctx, arn, created); err != nil {
		return err
	}
	if state := loadBalancerState(lb); state != elbv2types.LoadBalancerStateEnumActive {
		p.WaitFor(v1alpha1.ReasonWaitingForLoadBalancer, loadBalancerPollInterval, "load balancer %s %s", name, state)
	}
	return nil
}

// forgetLoadBalancer clears the load balancer and its listeners from status: they are gone.
func (p *pass) forgetLoadBalancer() {
	st := &p.fd.Status.Service
	st.LoadBalancerARN, st.LoadBalancerDNS, st.ListenerARN, st.RedirectListenerARN = "", "", "", ""
}

func loadBalancerState(lb *elbv2types.LoadBalancer) elbv2types.LoadBalancerStateEnum {
	if lb.State == nil {
		return ""
	}
	return lb.State.Code
}

// findLoadBalancer finds fd's load balancer, as findELBv2 does.
func (p *pass) findLoadBalancer(ctx context.Context) (*elbv2types.LoadBalancer, error) {
	return findELBv2(p.fd.Status.Service.LoadBalancerARN, p.loadBalancerName(),
		func(arns, names []string) (*elbv2types.LoadBalancer, error) {
			return p.describeLoadBalancer(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: arns, Names: names}, strings.Join(append(arns, names...), ","))
		})
}

// findELBv2 finds one of fd's ELBv2 resources: by the ARN in status, then by name. What
// it finds still has to pass the ownership check.
func findELBv2[T any](statusARN, name string, describe func(arns, names []string) (*T, error)) (*T, error) {
	if statusARN != "" {
		v, err := describe([]string{statusARN}, nil)
		if err != nil || v != nil {
			return v, err
		}
	}
	return describe(nil, []string{name})
}

// describeLoadBalancer returns the one load balancer in answers to in, nil when AWS says
// there is none.
func (p *pass) describeLoadBalancer(ctx context.Context, in *elbv2.DescribeLoadBalancersInput, what string) (*elbv2types.LoadBalancer, error) {
	out, err := p.ELB.DescribeLoadBalancers(ctx, in)
	if err != nil {
		if cloud.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("describe load balancer %s: %w", what, err)
	}
	if len(out.LoadBalancers) == 0 {
		return nil, nil
	}
	return &out.LoadBalancers[0], nil
}

// elbTagsOf reads the tags of an ELBv2 resource (ELBv2 lookups have no tag filter and
// return no tags). The first read of a pass also reads those of the load balancer, target
// group and listener status names, in the same call; nil when AWS no longer has it.
func (p *pass) elbTagsOf(ctx context.Context, arn string) (map[string]string, error) {
	if tags, ok := p.elbTags[arn]; ok {
		return tags, nil
	}
	st := p.fd.Status.Service
	arns := []string{arn}
	for _, a := range []string{st.LoadBalancerARN, st.TargetGroupARN, st.ListenerARN, st.RedirectListenerARN} {
		if _, read := p.elbTags[a]; a != "" && !read && !slices.Contains(arns, a) {
			arns = append(arns, a)
		}
	}
	out, err := p.ELB.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: arns})
	if cloud.IsNotFound(err) && len(arns) > 1 {
		// One that status names is gone: read this one alone.
		arns = arns[:1]
		out, err = p.ELB.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: arns})
	}
	if cloud.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe tags of %s: %w", strings.Join(arns, ", "), err)
	}
	for _, a := range arns {
		p.elbTags[a] = map[string]string{}
	}
	for _, d := range out.TagDescriptions {
		p.elbTags[aws.ToString(d.ResourceArn)] = cloud.FromELB(d.Tags)
	}
	return p.elbTags[arn], nil
}

func (p *pass) createLoadBalancer(ctx context.Context, name string) (*elbv2types.LoadBalancer, error) {
	st := &p.fd.Status.Service
	var subnets []string
	for _, s := range p.fd.Status.Network.PublicSubnets {
		subnets = append(subnets, s.ID)
	}
	out, err := p.ELB.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{
		Name:           aws.String(name),
		Type:           elbv2types.LoadBalancerTypeEnumApplication,
		Scheme:         elbv2types.LoadBalancerSchemeEnumInternetFacing,
		IpAddressType:  elbv2types.IpAddressTypeIpv4,
		Subnets:        subnets,
		SecurityGroups: []string{st.LoadBalancerSecurityGroupID},
		Tags:           cloud.ToELB(p.Tags(resourceLoadBalancer)),
	})
	if err != nil {
		return nil, fmt.Errorf("create load balancer %s: %w", name, err)
	}
	if len(out.LoadBalancers) == 0 {
		return nil, fmt.Errorf("create load balancer %s: AWS answered without a load balancer", name)
	}
	lb := &out.LoadBalancers[0]
	arn := aws.ToString(lb.LoadBalancerArn)
	st.LoadBalancerARN, st.LoadBalancerDNS = arn, aws.ToString(lb.DNSName)
	p.Created(ctx, kindLoadBalancer, arn)
	if err := stage.CheckpointCreated(ctx, "load balancer "+name); err != nil {
		return nil, err
	}
	return lb, nil
}

// reconcileLoadBalancerSecurityGroups puts the load balancer back behind exactly its own
// security group.
func (p *pass) reconcileLoadBalancerSecurityGroups(ctx context.Context, lb *elbv2types.LoadBalancer) error {
	arn, want := aws.ToString(lb.LoadBalancerArn), p.fd.Status.Service.LoadBalancerSecurityGroupID
	if want == "" || slices.Equal(lb.SecurityGroups, []string{want}) {
		return nil
	}
	have := strings.Join(lb.SecurityGroups, ", ")
	if !p.MayWrite(false, "load balancer %s has security groups [%s], not %s", arn, have, want) {
		return nil
	}
	if _, err := p.ELB.SetSecurityGroups(ctx, &elbv2.SetSecurityGroupsInput{
		LoadBalancerArn: aws.String(arn), SecurityGroups: []string{want},
	}); err != nil {
		return fmt.Errorf("set security group %s on load balancer %s: %w", want, arn, err)
	}
	p.Drift(ctx, "load balancer %s had security groups [%s]; set to %s", arn, have, want)
	return nil
}

// reconcileIdleTimeout sets the idle timeout attribute to the spec's.
func (p *pass) reconcileIdleTimeout(ctx context.Context, arn string, created bool) error {
	want := strconv.Itoa(int(p.fd.Spec.Service.LoadBalancer.IdleTimeoutSeconds))
	out, err := p.ELB.DescribeLoadBalancerAttributes(ctx, &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(arn)})
	if err != nil {
		return fmt.Errorf("describe attributes of load balancer %s: %w", arn, err)
	}
	have := ""
	for _, a := range out.Attributes {
		if aws.ToString(a.Key) == idleTimeoutAttribute {
			have = aws.ToString(a.Value)
		}
	}
	if have == want || !(created || p.MayWrite(false, "load balancer %s has idle timeout %ss, not %ss", arn, have, want)) {
		return nil
	}
	if _, err := p.ELB.ModifyLoadBalancerAttributes(ctx, &elbv2.ModifyLoadBalancerAttributesInput{
		LoadBalancerArn: aws.String(arn),
		Attributes:      []elbv2types.LoadBalancerAttribute{{Key: aws.String(idleTimeoutAttribute), Value: aws.String(want)}},
	}); err != nil {
		return fmt.Errorf("set idle timeout %ss on load balancer %s: %w", want, arn, err)
	}
	if !created {
		p.repair(ctx, "UpdatedLoadBalancer", "load balancer %s had idle timeout %ss; set to %ss", arn, have, want)
	}
	return nil
}

// suspendLoadBalancer deletes the load balancer of a suspended object (its ownership
// checked by the caller), its listeners first. The security groups and the target group
// are kept (they cost nothing). While the service still runs tasks the load balancer is
// kept: ECS refuses to update (scale down) a service whose target group has no load
// balancer.
func (p *pass) suspendLoadBalancer(ctx context.Context, lb *elbv2types.LoadBalancer) error {
	st := &p.fd.Status.Service
	if lb != nil {
		arn := aws.ToString(lb.LoadBalancerArn)
		if st.ServiceARN != "" && st.RunningCount > 0 {
			p.WaitFor(v1alpha1.ReasonWaitingForLoadBalancer, loadBalancerPollInterval,
				"load balancer %s kept until the service has scaled to zero (%d task(s) running)", aws.ToString(lb.LoadBalancerName), st.RunningCount)
			return nil
		}
		if !p.MayWrite(false, "load balancer %s exists while suspended", arn) {
			return nil
		}
		if err := p.deleteListenersOf(ctx, arn); err != nil {
			return err
		}
		if err := p.deleteLoadBalancerARN(ctx, arn); err != nil {
			return err
		}
	}
	p.forgetLoadBalancer()
	return nil
}

func (p *pass) deleteLoadBalancerARN(ctx context.Context, arn string) error {
	if _, err := p.ELB.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(arn)}); err != nil {
		if cloud.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("delete load balancer %s: %w", arn, err)
	}
	p.Deleted(ctx, kindLoadBalancer, arn)
	return nil
}

// deleteLoadBalancer deletes fd's load balancer and waits until AWS no longer lists it.
// One that is not fd's is left in place; when it uses one of fd's security groups, which
// AWS then refuses to delete, that is DeletionBlocked.
func (p *pass) deleteLoadBalancer(ctx context.Context) (bool, error) {
	st := &p.fd.Status.Service
	lb, err := p.findLoadBalancer(ctx)
	if err != nil {
		return false, err
	}
	if lb != nil {
		arn := aws.ToString(lb.LoadBalancerArn)
		tags, err := p.elbTagsOf(ctx, arn)
		if err != nil {
			return false, err
		}
		if tags == nil {
			p.forgetLoadBalancer()
			return true, nil
		}
		if !p.Deletable(ctx, kindLoadBalancer, arn, tags) {
			if sg := st.LoadBalancerSecurityGroupID; sg != "" && slices.Contains(lb.SecurityGroups, sg) {
				return false, stage.Terminalf(v1alpha1.ReasonDeletionBlocked,
					"load balancer %s is not this object's (%s) and uses this object's security group %s, which AWS does not delete while it is in use: delete that load balancer or move it to another security group",
					arn, p.Owner().Describe(tags), sg)
			}
			p.forgetLoadBalancer()
			return true, nil
		}
		if err := p.deleteLoadBalancerARN(ctx, arn); err != nil {
			return false, err
		}
		gone, err := p.describeLoadBalancer(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}}, arn)
		if err != nil {
			return false, err
		}
		if gone != nil {
			p.WaitFor(v1alpha1.ReasonWaitingForDeletion, deletePollInterval, "waiting for load balancer %s to be deleted", arn)
			return false, nil
		}
	}
	p.forgetLoadBalancer()
	return true, nil
}
