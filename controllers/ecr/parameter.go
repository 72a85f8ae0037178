package ecr

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/flaskops/flask-operator/internal/cloud"
)

// resourceParameter is the flaskops.io/resource tag value of the URI parameter.
const resourceParameter = "repository-uri-parameter"

// parameterName is the SSM parameter the build reads the repository URI from. Status
// (repository.parameterName) hands it to the CI/CD stage.
func parameterName(o cloud.Owner) string {
	return o.Name(cloud.ParameterName, "repository-uri")
}

// reconcileParameter keeps the String parameter holding the repository URI: created when
// missing, its value put back when overwritten, its tags repaired, and never written to
// when its tags do not prove it ours.
func (p *pass) reconcileParameter(ctx context.Context) error {
	name := parameterName(p.Owner())
	uri := aws.ToString(p.repo.RepositoryUri)
	st := &p.fd.Status.Repository
	param, err := p.getParameter(ctx, name)
	if err != nil {
		return err
	}
	if param == nil {
		if !p.MayWrite(true, "parameter %s", name) {
			st.ParameterName = ""
			return nil
		}
		recreated := st.ParameterName != "" && !p.created
		err := p.createParameter(ctx, name, uri)
		if err == nil {
			if recreated {
				p.Drift(ctx, "parameter %s was deleted outside the operator; re-created", name)
			}
			return nil
		}
		if !cloud.IsAlreadyExists(err) {
			return err
		}
		// Created since we looked, typically by this very call: the SDK retried it after
		// losing the first answer. Check what is there like any parameter found.
		if param, err = p.getParameter(ctx, name); err != nil {
			return err
		}
		if param == nil {
			return fmt.Errorf("get parameter %s after ParameterAlreadyExists: not found", name)
		}
	}
	have, err := p.parameterTags(ctx, name)
	if err != nil {
		return err
	}
	if err := p.RepairTags(ctx, kindParameter, name, p.Tags(resourceParameter), have, cloud.SSMTagger(p.ssm)); err != nil {
		if !p.Owner().Owns(have) {
			st.ParameterName = ""
		}
		return err
	}
	st.ParameterName = name
	if aws.ToString(param.Value) == uri && param.Type == ssmtypes.ParameterTypeString {
		return nil
	}
	if !p.MayWrite(false, "parameter %s holds %s %q instead of the repository URI", name, param.Type, aws.ToString(param.Value)) {
		return nil
	}
	if param.Type == ssmtypes.ParameterTypeSecureString {
		// A SecureString cannot be overwritten as a String: replace it.
		if err := p.removeParameter(ctx, name); err != nil {
			return fmt.Errorf("replace the SecureString: %w", err)
		}
		if err := p.createParameter(ctx, name, uri); err != nil {
			return err
		}
	} else if _, err := p.ssm.PutParameter(ctx, &ssm.PutParameterInput{
		// Overwrite takes no tags (AWS refuses the combination); the tags are already there.
		Name: aws.String(name), Value: aws.String(uri), Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true),
	}); err != nil {
		return fmt.Errorf("restore parameter %s: %w", name, err)
	}
	p.Drift(ctx, "parameter %s held %s %q instead of the repository URI; restored", name, param.Type, aws.ToString(param.Value))
	return nil
}

// getParameter reads the parameter; nil when it does not exist.
func (p *pass) getParameter(ctx context.Context, name string) (*ssmtypes.Parameter, error) {
	out, err := p.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
	if cloud.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get parameter %s: %w", name, err)
	}
	return out.Parameter, nil
}

// createParameter creates the parameter with its ownership tags. ParameterAlreadyExists
// is returned unwrapped.
func (p *pass) createParameter(ctx context.Context, name, uri string) error {
	_, err := p.ssm.PutParameter(ctx, &ssm.PutParameterInput{
		Name:        aws.String(name),
		Value:       aws.String(uri),
		Type:        ssmtypes.ParameterTypeString,
		Description: aws.String("ECR repository URI of FlaskDeployment " + p.Owner().Ref() + " (managed by flask-operator)"),
		Tags:        cloud.ToSSM(p.Tags(resourceParameter)),
	})
	if cloud.IsAlreadyExists(err) {
		return err
	}
	if err != nil {
		return fmt.Errorf("create parameter %s: %w", name, err)
	}
	p.fd.Status.Repository.ParameterName = name
	p.Created(ctx, kindParameter, name)
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

// deleteParameter deletes the URI parameter if it exists and its tags prove it ours.
func (p *pass) deleteParameter(ctx context.Context) (bool, error) {
	name := parameterName(p.Owner())
	param, err := p.getParameter(ctx, name)
	if err != nil {
		return false, err
	}
	if param != nil {
		have, err := p.parameterTags(ctx, name)
		if err != nil {
			return false, err
		}
		if !p.Deletable(ctx, kindParameter, name, have) {
			p.kept = append(p.kept, "SSM parameter "+name)
		} else if err := p.removeParameter(ctx, name); err != nil {
			return false, err
		}
	}
	p.fd.Status.Repository.ParameterName = ""
	return true, nil
}

// removeParameter deletes a parameter the caller proved ours; one already gone is fine.
func (p *pass) removeParameter(ctx context.Context, name string) error {
	_, err := p.ssm.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(name)})
	if cloud.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete parameter %s: %w", name, err)
	}
	p.Deleted(ctx, kindParameter, name)
	return nil
}
