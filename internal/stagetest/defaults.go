package stagetest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"sigs.k8s.io/yaml"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

// Defaulted applies the CRD's defaults to fd the way the API server does when it stores
// the object, so that a stage test drives the stage with the spec it gets in a cluster.
// The defaults come from the generated CRD (config/crd/bases), the one place they are
// written down; the stages repeat none of them.
func Defaulted(fd *v1alpha1.FlaskDeployment) error {
	schema, err := crdSchema()
	if err != nil {
		return err
	}
	raw, err := json.Marshal(fd)
	if err != nil {
		return fmt.Errorf("encode %s/%s: %w", fd.Namespace, fd.Name, err)
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return fmt.Errorf("decode %s/%s: %w", fd.Namespace, fd.Name, err)
	}
	structuraldefaulting.Default(obj, schema)
	if raw, err = json.Marshal(obj); err != nil {
		return fmt.Errorf("encode defaulted %s/%s: %w", fd.Namespace, fd.Name, err)
	}
	out := &v1alpha1.FlaskDeployment{}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decode defaulted %s/%s: %w", fd.Namespace, fd.Name, err)
	}
	fd.Spec = out.Spec
	return nil
}

var (
	schemaOnce   sync.Once
	schemaCached *structuralschema.Structural
	schemaErr    error
)

// crdSchema is the structural schema of the FlaskDeployment CRD's served version.
func crdSchema() (*structuralschema.Structural, error) {
	schemaOnce.Do(func() { schemaCached, schemaErr = loadCRDSchema() })
	return schemaCached, schemaErr
}

func loadCRDSchema() (*structuralschema.Structural, error) {
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", "config", "crd", "bases", "deploy.flaskops.io_flaskdeployments.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the CRD: %w", err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.Unmarshal(b, crd); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	for _, v := range crd.Spec.Versions {
		if v.Name != v1alpha1.GroupVersion.Version || v.Schema == nil {
			continue
		}
		internal := &apiextensions.JSONSchemaProps{}
		if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, internal, nil); err != nil {
			return nil, fmt.Errorf("convert the schema of %s: %w", v.Name, err)
		}
		return structuralschema.NewStructural(internal)
	}
	return nil, fmt.Errorf("%s has no schema for version %s", path, v1alpha1.GroupVersion.Version)
}
