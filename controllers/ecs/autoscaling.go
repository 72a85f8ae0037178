package ecs

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"

	"github.com/flaskops/flask-operator/internal/cloud"
)

const (
	resourceScalableTarget = "scalable-target"
	// scalingPolicyName is the target tracking policy on the service's average CPU.
	scalingPolicyName = "flaskops-cpu"
	// defaultTargetCPUPercent is the API default, for a spec the API server has not defaulted.
	defaultTargetCPUPercent = 70
)

// scalableResourceID is how Application Auto Scaling names fd's service.
func scalableResourceID(fd *pass) string {
	return "service/" + clusterName(fd.fd) + "/" + svcName(fd.fd)
}

// reconcileAutoscaling registers the service as a scalable target with a CPU target
// tracking policy when spec.service.autoscaling is set, and deregisters it when it is not
// (or while suspended: the service stays at zero).
func (p *pass) reconcileAutoscaling(ctx context.Context) error {
	as := p.fd.Spec.Service.Autoscaling
	if !p.autoscaled() {
		_, err := p.removeScalableTarget(ctx, true)
		return err
	}
	if p.fd.Status.Service.ServiceARN == "" {
		return nil // the service step is waiting
	}
	id := scalableResourceID(p)
	target, err := p.findScalableTarget(ctx)
	if err != nil {
		return err
	}
	if target == nil || aws.ToInt32(target.MinCapacity) != as.MinCount || aws.ToInt32(target.MaxCapacity) != as.MaxCount {
		what := fmt.Sprintf("scalable target %s with %d..%d tasks", id, as.MinCount, as.MaxCount)
		if !p.MayWrite(target == nil, "%s", what) {
			return nil
		}
		out, err := p.AutoScaling.RegisterScalableTarget(ctx, &applicationautoscaling.RegisterScalableTargetInput{
			ServiceNamespace: aastypes.ServiceNamespaceEcs, ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
			ResourceId: aws.String(id), MinCapacity: aws.Int32(as.MinCount), MaxCapacity: aws.Int32(as.MaxCount),
			Tags: p.tags(resourceScalableTarget),
		})
		if err != nil {
			return fmt.Errorf("register scalable target %s: %w", id, err)
		}
		if target == nil {
			p.Created(ctx, kindScalableTarget, id)
		} else {
			p.repair(ctx, "UpdatedScalableTarget", "scalable target %s had %d..%d tasks; set to %d..%d",
				id, aws.ToInt32(target.MinCapacity), aws.ToInt32(target.MaxCapacity), as.MinCount, as.MaxCount)
		}
		target = &aastypes.ScalableTarget{ScalableTargetARN: out.ScalableTargetARN}
	}
	if err := p.reconcileScalableTargetTags(ctx, id, aws.ToString(target.ScalableTargetARN)); err != nil {
		return err
	}
	return p.reconcileScalingPolicy(ctx, id)
}

func (p *pass) findScalableTarget(ctx context.Context) (*aastypes.ScalableTarget, error) {
	id := scalableResourceID(p)
	out, err := p.AutoScaling.DescribeScalableTargets(ctx, &applicationautoscaling.DescribeScalableTargetsInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
		ResourceIds: []string{id},
	})
	if err != nil {
		return nil, fmt.Errorf("describe scalable target %s: %w", id, err)
	}
	for i := range out.ScalableTargets {
		if aws.ToString(out.ScalableTargets[i].ResourceId) == id {
			return &out.ScalableTargets[i], nil
		}
	}
	return nil, nil
}

// reconcileScalableTargetTags puts back the tags of the target: it scales our service, so
// it is ours even if someone registered it first.
func (p *pass) reconcileScalableTargetTags(ctx context.Context, id, arn string) error {
	out, err := p.AutoScaling.ListTagsForResource(ctx, &applicationautoscaling.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
	if err != nil {
		return fmt.Errorf("list tags of scalable target %s: %w", id, err)
	}
	missing := cloud.MissingTags(p.tags(resourceScalableTarget), out.Tags)
	if len(missing) == 0 || !p.MayWrite(false, "scalable target %s tags differ from the spec", id) {
		return nil
	}
	if _, err := p.AutoScaling.TagResource(ctx, &applicationautoscaling.TagResourceInput{ResourceARN: aws.String(arn), Tags: missing}); err != nil {
		return fmt.Errorf("tag scalable target %s: %w", id, err)
	}
	return nil
}

// reconcileScalingPolicy puts the CPU target tracking policy when it is missing or differs.
func (p *pass) reconcileScalingPolicy(ctx context.Context, id string) error {
	target := float64(orDefault(p.fd.Spec.Service.Autoscaling.TargetCPUPercent, defaultTargetCPUPercent))
	out, err := p.AutoScaling.DescribeScalingPolicies(ctx, &applicationautoscaling.DescribeScalingPoliciesInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
		ResourceId: aws.String(id), PolicyNames: []string{scalingPolicyName},
	})
	if err != nil {
		return fmt.Errorf("describe scaling policy %s of %s: %w", scalingPolicyName, id, err)
	}
	var have *aastypes.ScalingPolicy
	if len(out.ScalingPolicies) > 0 {
		have = &out.ScalingPolicies[0]
	}
	if have != nil && have.PolicyType == aastypes.PolicyTypeTargetTrackingScaling {
		if c := have.TargetTrackingScalingPolicyConfiguration; c != nil && aws.ToFloat64(c.TargetValue) == target &&
			c.PredefinedMetricSpecification != nil &&
			c.PredefinedMetricSpecification.PredefinedMetricType == aastypes.MetricTypeECSServiceAverageCPUUtilization {
			return nil
		}
	}
	if !p.MayWrite(have == nil, "scaling policy %s of %s at %.0f%% CPU", scalingPolicyName, id, target) {
		return nil
	}
	if _, err := p.AutoScaling.PutScalingPolicy(ctx, &applicationautoscaling.PutScalingPolicyInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
		ResourceId: aws.String(id), PolicyName: aws.String(scalingPolicyName), PolicyType: aastypes.PolicyTypeTargetTrackingScaling,
		TargetTrackingScalingPolicyConfiguration: &aastypes.TargetTrackingScalingPolicyConfiguration{
			TargetValue: aws.Float64(target),
			PredefinedMetricSpecification: &aastypes.PredefinedMetricSpecification{
				PredefinedMetricType: aastypes.MetricTypeECSServiceAverageCPUUtilization,
			},
		},
	}); err != nil {
		return fmt.Errorf("put scaling policy %s on %s: %w", scalingPolicyName, id, err)
	}
	if have != nil {
		p.repair(ctx, "UpdatedScalingPolicy", "scaling policy %s of %s set to %.0f%% CPU", scalingPolicyName, id, target)
	}
	return nil
}

// removeScalableTarget deregisters the scalable target (its policies go with it) if it
// carries fd's owner tag.
func (p *pass) removeScalableTarget(ctx context.Context, reconciling bool) (bool, error) {
	target, err := p.findScalableTarget(ctx)
	if err != nil || target == nil {
		return err == nil, err
	}
	id := scalableResourceID(p)
	tags, err := p.AutoScaling.ListTagsForResource(ctx, &applicationautoscaling.ListTagsForResourceInput{ResourceARN: target.ScalableTargetARN})
	if err != nil {
		if cloud.IsNotFound(err) {
			return true, nil
		}
		return false, fmt.Errorf("list tags of scalable target %s: %w", id, err)
	}
	if !cloud.IsOwned(tags.Tags, p.fd) {
		return true, nil
	}
	if reconciling && !p.MayWrite(false, "scalable target %s exists but spec.service.autoscaling is unset", id) {
		return true, nil
	}
	if _, err := p.AutoScaling.DeregisterScalableTarget(ctx, &applicationautoscaling.DeregisterScalableTargetInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
		ResourceId: aws.String(id),
	}); err != nil && !cloud.IsNotFound(err) {
		return false, fmt.Errorf("deregister scalable target %s: %w", id, err)
	}
	p.Deleted(ctx, kindScalableTarget, id)
	return true, nil
}

// deleteAutoscaling deregisters the scalable target first: it outlives the service on AWS.
func (p *pass) deleteAutoscaling(ctx context.Context) (bool, error) {
	return p.removeScalableTarget(ctx, false)
}
