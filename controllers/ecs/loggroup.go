package ecs

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

const resourceLogGroup = "log-group"

// logGroupName is the CloudWatch log group of fd's containers.
func (p *pass) logGroupName() string { return p.name(cloud.LogGroupName, "ecs") }

// reconcileLogGroup finds (by name, then the ownership check) or creates the log group and
// repairs its tags and retention.
func (p *pass) reconcileLogGroup(ctx context.Context) error {
	name := p.logGroupName()
	st := &p.fd.Status.Service
	group, err := cloud.FindLogGroup(ctx, p.Logs, name)
	if err != nil {
		return err
	}
	if group == nil {
		if st.LogGroupName != "" {
			p.Drift(ctx, "log group %s was deleted; creating it again", name)
			st.LogGroupName = ""
		}
		if !p.MayWrite(true, "log group %s", name) {
			return nil
		}
		if group, err = p.createLogGroup(ctx, name); err != nil {
			return err
		}
	} else if p.ReadsTags() {
		if err := p.repairLogGroupTags(ctx, group); err != nil {
			return err
		}
	}
	st.LogGroupName = name
	want := p.fd.Spec.Service.LogRetentionDays
	if have := aws.ToInt32(group.RetentionInDays); have != want &&
		p.MayWrite(false, "log group %s keeps logs %d days, spec says %d", name, have, want) {
		if _, err := p.Logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{
			LogGroupName: aws.String(name), RetentionInDays: aws.Int32(want),
		}); err != nil {
			return fmt.Errorf("set retention of log group %s: %w", name, err)
		}
		if group.RetentionInDays != nil || p.Converged() {
			p.repair(ctx, "UpdatedLogGroup", "retention of log group %s was %d days; set to %d", name, have, want)
		}
	}
	return nil
}

// createLogGroup creates the log group, tagged; its retention is set by the caller (the
// API takes none at creation).
func (p *pass) createLogGroup(ctx context.Context, name string) (*logstypes.LogGroup, error) {
	_, err := p.Logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{
		LogGroupName: aws.String(name), Tags: p.Tags(resourceLogGroup),
	})
	if err != nil && !cloud.IsAlreadyExists(err) {
		return nil, fmt.Errorf("create log group %s: %w", name, err)
	}
	fresh := err == nil
	group, err := cloud.FindLogGroup(ctx, p.Logs, name)
	if err != nil {
		return nil, err
	}
	if group == nil {
		return nil, fmt.Errorf("describe log group %s after creating it: not found yet", name)
	}
	if !fresh {
		// Created since we looked: check it as found.
		return group, p.repairLogGroupTags(ctx, group)
	}
	p.fd.Status.Service.LogGroupName = name
	p.Created(ctx, kindLogGroup, name)
	return group, stage.CheckpointCreated(ctx, "log group "+name)
}

// repairLogGroupTags is the ownership check of a log group found by name, and its tag
// repair.
func (p *pass) repairLogGroupTags(ctx context.Context, g *logstypes.LogGroup) error {
	have, err := cloud.LogGroupTags(ctx, p.Logs, g)
	if err != nil {
		return err
	}
	return p.RepairTags(ctx, kindLogGroup, cloud.LogGroupARN(g), p.Tags(resourceLogGroup), have, cloud.LogsTagger(p.Logs))
}

// deleteLogGroup deletes the log group if its tags prove it fd's.
func (p *pass) deleteLogGroup(ctx context.Context) (bool, error) {
	name := p.logGroupName()
	g, err := cloud.FindLogGroup(ctx, p.Logs, name)
	if err != nil {
		return false, err
	}
	if g != nil {
		tags, err := cloud.LogGroupTags(ctx, p.Logs, g)
		if err != nil && !cloud.IsNotFound(err) {
			return false, err
		}
		if err == nil && p.Deletable(ctx, kindLogGroup, cloud.LogGroupARN(g), tags) {
			if _, err := p.Logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(name)}); err != nil && !cloud.IsNotFound(err) {
				return false, fmt.Errorf("delete log group %s: %w", name, err)
			}
			p.Deleted(ctx, kindLogGroup, name)
		}
	}
	p.fd.Status.Service.LogGroupName = ""
	return true, nil
}
