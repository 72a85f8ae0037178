package ecr

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// resourceParameter is the flaskops.io/resource tag value of the URI parameter.
const resourceParameter = "repository-uri-parameter"

// parameterName is the SSM parameter the build reads the repository URI from.
func parameterName(fd *v1alpha1.FlaskDeployment) string {
	return "/flaskops/" + fd.Namespace + "/" + fd.Name + "/repository-uri"
}

// reconcileParameter keeps the String parameter holding the repository URI: created when
// missing, its value put back when overwritten, its ownership tags put back when removed.
func (p *pass) reconcileParameter(ctx context.Context, repo *ecrtypes.Repository) error {
	name := parameterName(p.fd)
	uri := aws.ToString(repo.RepositoryUri)
	st := &p.fd.Status.Repository
	out, err := p.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
	if cloud.IsNotFound(err) {
		if p.observe {
			p.noteDrift(ctx, "parameter %s does not exist", name)
			st.ParameterName = ""
			return nil
		}
		recreate := st.ParameterName != "" && !p.created
		err = p.createParameter(ctx, name, uri, recreate)
		if err == nil && recreate {
			p.noteDrift(ctx, "parameter %s was deleted", name)
		}
		if !cloud.IsAlreadyExists(err) {
			return err
		}
		// Created since we looked, typically by this very call: the SDK retried it after
		// losing the first response. Check what is there like any found parameter.
		out, err = p.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
	}
	if err != nil {
		return fmt.Errorf("get parameter %s: %w", name, err)
	}
	if err := p.checkParameterOwner(ctx, name); err != nil {
		return err
	}
	st.ParameterName = name
	param := out.Parameter
	if aws.ToString(param.Value) == uri && param.Type == ssmtypes.ParameterTypeString {
		return nil
	}
	drift := fmt.Sprintf("parameter %s held %s %q instead of the repository URI", name, param.Type, aws.ToString(param.Value))
	if p.observe {
		p.noteDrift(ctx, "%s", drift)
		return nil
	}
	if param.Type == ssmtypes.ParameterTypeSecureString {
		// A SecureString cannot be overwritten as a String: replace it.
		if _, err := p.ssm.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(name)}); err != nil && !cloud.IsNotFound(err) {
			return fmt.Errorf("delete parameter %s to replace its SecureString: %w", name, err)
		}
		log.FromContext(ctx).Info("Deleted SSM parameter", "parameterName", name, "type", param.Type)
		p.event("DeletedParameter", "Delete", "Deleted SecureString SSM parameter %s to re-create it as the String holding the repository URI", name)
		// recreate=false: this pass deleted it, so "deleted outside the operator" would be wrong.
		if err := p.createParameter(ctx, name, uri, false); err != nil {
			return err
		}
		p.noteDrift(ctx, "%s", drift)
		return nil
	}
	// Overwrite takes no tags (AWS refuses the combination); the tags are already there.
	if _, err := p.ssm.PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(name), Value: aws.String(uri), Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true),
	}); err != nil {
		return fmt.Errorf("restore parameter %s: %w", name, err)
	}
	p.noteDrift(ctx, "%s", drift)
	p.event("RepairedParameter", "Update", "Restored the repository URI in SSM parameter %s", name)
	return nil
}

func (p *pass) createParameter(ctx context.Context, name, uri string, recreate bool) error {
	_, err := p.ssm.PutParameter(ctx, &ssm.PutParameterInput{
		Name:        aws.String(name),
		Value:       aws.String(uri),
		Type:        ssmtypes.ParameterTypeString,
		Description: aws.String("ECR repository URI of FlaskDeployment " + cloud.Owner(p.fd) + " (managed by flask-operator)"),
		Tags:        cloud.ToSSM(cloud.Tags(p.fd, Name, resourceParameter)),
	})
	if err != nil {
		return fmt.Errorf("create parameter %s: %w", name, err)
	}
	p.fd.Status.Repository.ParameterName = name
	log.FromContext(ctx).Info("Created SSM parameter", "parameterName", name)
	if recreate {
		p.event("CreatedParameter", "Create", "Re-created SSM parameter %s, deleted outside the operator", name)
	} else {
		p.event("CreatedParameter", "Create", "Created SSM parameter %s", name)
	}
	return nil
}

// parameterTags lists the parameter's tags.
func (p *pass) parameterTags(ctx context.Context, name string) (map[string]string, error) {
	out, err := p.ssm.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{
		ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String(name),
	})
	if err != nil {
		return nil, fmt.Errorf("list tags of parameter %s: %w", name, err)
	}
	return cloud.FromSSM(out.TagList), nil
}

// checkParameterOwner refuses a parameter that another object owns. The name is under this
// object's own /flaskops/<namespace>/<name>/ path, so one without an owner tag (written by
// hand, or its tags removed) is taken over and tagged.
func (p *pass) checkParameterOwner(ctx context.Context, name string) error {
	have, err := p.parameterTags(ctx, name)
	if err != nil {
		return err
	}
	if owner := have[cloud.TagOwner]; owner != "" && owner != cloud.Owner(p.fd) {
		if p.observe {
			p.noteDrift(ctx, "parameter %s is owned by %s", name, owner)
			return nil
		}
		return stage.Terminalf(ReasonParameterNotOwned,
			"SSM parameter %s is owned by %s (tag %s), not by this FlaskDeployment: remove that tag or the parameter if it is stale",
			name, owner, cloud.TagOwner)
	}
	if removed := cloud.RemovedTags(p.fd, have); len(removed) > 0 && !p.observe {
		if _, err := p.ssm.RemoveTagsFromResource(ctx, &ssm.RemoveTagsFromResourceInput{
			ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String(name), TagKeys: removed,
		}); err != nil {
			return fmt.Errorf("remove tags %s from parameter %s: %w", strings.Join(removed, ", "), name, err)
		}
		log.FromContext(ctx).Info("Removed tags no longer in spec.tags", "parameter", name, "keys", removed)
	}
	missing := cloud.MissingTags(cloud.Tags(p.fd, Name, resourceParameter), have)
	if len(missing) == 0 {
		return nil
	}
	drift := fmt.Sprintf("parameter %s tags %s differed from the spec", name, strings.Join(keys(missing), ", "))
	if !p.observe {
		if _, err := p.ssm.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{
			ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String(name), Tags: cloud.ToSSM(missing),
		}); err != nil {
			return fmt.Errorf("tag parameter %s: %w", name, err)
		}
	}
	p.noteDrift(ctx, "%s", drift)
	return nil
}

// deleteParameter deletes the URI parameter if it exists and is ours.
func (p *pass) deleteParameter(ctx context.Context) error {
	name := parameterName(p.fd)
	st := &p.fd.Status.Repository
	if _, err := p.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)}); err != nil {
		if cloud.IsNotFound(err) {
			st.ParameterName = ""
			return nil
		}
		return fmt.Errorf("get parameter %s: %w", name, err)
	}
	have, err := p.parameterTags(ctx, name)
	if err != nil {
		return err
	}
	if !cloud.IsOwned(have, p.fd) {
		log.FromContext(ctx).Info("Left SSM parameter alone: not owned by this object", "parameterName", name)
		st.ParameterName = ""
		return nil
	}
	if _, err := p.ssm.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(name)}); err != nil {
		if !cloud.IsNotFound(err) {
			return fmt.Errorf("delete parameter %s: %w", name, err)
		}
	} else {
		log.FromContext(ctx).Info("Deleted SSM parameter", "parameterName", name)
		p.event("DeletedParameter", "Delete", "Deleted SSM parameter %s", name)
	}
	st.ParameterName = ""
	return nil
}
