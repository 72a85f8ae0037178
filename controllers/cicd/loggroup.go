package cicd

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

const resourceLogGroup = "build-logs"

// logGroupName is the CloudWatch log group the builds write to.
func (p *pass) logGroupName() string { return p.Owner().Name(cloud.LogGroupName, "build") }

// reconcileLogGroup finds (by name, proven ours by its tags) or creates the build log
// group and keeps its tags.
func (p *pass) reconcileLogGroup(ctx context.Context) error {
	name := p.logGroupName()
	st := &p.fd.Status.Pipeline
	g, err := cloud.FindLogGroup(ctx, p.Logs, name)
	if err != nil {
		return err
	}
	if g == nil {
		if st.BuildLogGroupName == name {
			p.Drift(ctx, "build log group %s was deleted; creating it again", name)
		}
		st.BuildLogGroupName = ""
		if !p.MayWrite(true, "build log group %s", name) {
			p.Stop()
			return nil
		}
		return p.createLogGroup(ctx, name)
	}
	have, err := cloud.LogGroupTags(ctx, p.Logs, g)
	if err != nil {
		return err
	}
	if err := p.RepairTags(ctx, kindLogGroup, p.arn("logs", p.region, "log-group:"+name), p.Tags(resourceLogGroup), have, cloud.LogsTagger(p.Logs)); err != nil {
		return err
	}
	st.BuildLogGroupName = name
	return nil
}

// createLogGroup creates the log group with its tags.
func (p *pass) createLogGroup(ctx context.Context, name string) error {
	_, err := p.Logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name), Tags: p.Tags(resourceLogGroup)})
	if cloud.IsAlreadyExists(err) {
		// Created since we looked: check it as found.
		g, err := cloud.FindLogGroup(ctx, p.Logs, name)
		if err != nil || g == nil {
			return fmt.Errorf("describe log group %s after ResourceAlreadyExistsException: %w", name, err)
		}
		have, err := cloud.LogGroupTags(ctx, p.Logs, g)
		if err != nil {
			return err
		}
		if err := p.CheckOwner(kindLogGroup, name, have); err != nil {
			return err
		}
		p.fd.Status.Pipeline.BuildLogGroupName = name
		return nil
	}
	if err != nil {
		return fmt.Errorf("create log group %s: %w", name, err)
	}
	p.fd.Status.Pipeline.BuildLogGroupName = name
	p.Created(ctx, kindLogGroup, name)
	return stage.CheckpointCreated(ctx, "log group "+name)
}

// deleteLogGroup deletes the build log group if its tags prove it ours.
func (p *pass) deleteLogGroup(ctx context.Context) (bool, error) {
	name := p.logGroupName()
	g, err := cloud.FindLogGroup(ctx, p.Logs, name)
	if err != nil {
		return false, err
	}
	if g != nil {
		have, err := cloud.LogGroupTags(ctx, p.Logs, g)
		if err != nil && !cloud.IsNotFound(err) {
			return false, err
		}
		if err == nil && p.Deletable(ctx, kindLogGroup, name, have) {
			if _, err := p.Logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(name)}); err != nil && !cloud.IsNotFound(err) {
				return false, fmt.Errorf("delete log group %s: %w", name, err)
			}
			p.Deleted(ctx, kindLogGroup, name)
		}
	}
	p.fd.Status.Pipeline.BuildLogGroupName = ""
	return true, nil
}
