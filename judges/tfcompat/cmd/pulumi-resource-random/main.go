// pulumi-resource-random stand-in: the proxy serves no github.com/pulumi/pulumi-random
// module, so this implements what kind-zookeeper uses, random.RandomPassword (and the
// same-shaped RandomString), with the inputs, defaults and outputs of pulumi-random
// v4.21.2 (terraform-provider-random's random_password / random_string).
package main

import (
	"crypto/rand"
	"errors"
	"math/big"

	"golang.org/x/crypto/bcrypt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"judges/tfcompat/internal/prov"
)

var version = "4.21.2"

const (
	lowerChars   = "abcdefghijklmnopqrstuvwxyz"
	upperChars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	numericChars = "0123456789"
	specialChars = "!@#$%&*()-_=+[]{}<>:?"
)

func pick(set string, n int) ([]byte, error) {
	out := make([]byte, n)
	for i := range out {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		if err != nil {
			return nil, err
		}
		out[i] = set[j.Int64()]
	}
	return out, nil
}

func generate(in resource.PropertyMap) (string, error) {
	length := int(prov.Num(in, "length"))
	if length < 1 {
		return "", errors.New("length must be at least 1")
	}
	special := specialChars
	if s := prov.Str(in, "overrideSpecial"); s != "" {
		special = s
	}
	numeric := prov.Bool(in, "numeric") && prov.Bool(in, "number")
	classes := []struct {
		on  bool
		set string
		min int
	}{
		{prov.Bool(in, "upper"), upperChars, int(prov.Num(in, "minUpper"))},
		{prov.Bool(in, "lower"), lowerChars, int(prov.Num(in, "minLower"))},
		{numeric, numericChars, int(prov.Num(in, "minNumeric"))},
		{prov.Bool(in, "special"), special, int(prov.Num(in, "minSpecial"))},
	}
	var all string
	var result []byte
	for _, c := range classes {
		if !c.on {
			continue
		}
		all += c.set
		b, err := pick(c.set, c.min)
		if err != nil {
			return "", err
		}
		result = append(result, b...)
	}
	if all == "" {
		return "", errors.New("at least one of upper, lower, numeric or special must be true")
	}
	if len(result) < length {
		b, err := pick(all, length-len(result))
		if err != nil {
			return "", err
		}
		result = append(result, b...)
	}
	// shuffle (Fisher-Yates with crypto/rand)
	for i := len(result) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		result[i], result[j.Int64()] = result[j.Int64()], result[i]
	}
	return string(result), nil
}

func defaults() map[string]resource.PropertyValue {
	t := resource.NewBoolProperty(true)
	z := resource.NewNumberProperty(0)
	return map[string]resource.PropertyValue{
		"special": t, "upper": t, "lower": t, "numeric": t, "number": t,
		"minUpper": z, "minLower": z, "minNumeric": z, "minSpecial": z,
	}
}

func main() {
	password := &prov.Resource{
		Defaults: defaults(),
		Outputs:  []string{"result", "bcryptHash"},
		Secret:   []string{"result", "bcryptHash"},
		Create: func(in resource.PropertyMap) (string, resource.PropertyMap, error) {
			s, err := generate(in)
			if err != nil {
				return "", nil, err
			}
			h, err := bcrypt.GenerateFromPassword([]byte(s), bcrypt.DefaultCost)
			if err != nil {
				return "", nil, err
			}
			return "none", resource.PropertyMap{
				"result":     resource.NewStringProperty(s),
				"bcryptHash": resource.NewStringProperty(string(h)),
			}, nil
		},
	}
	str := &prov.Resource{
		Defaults: defaults(),
		Outputs:  []string{"result"},
		Create: func(in resource.PropertyMap) (string, resource.PropertyMap, error) {
			s, err := generate(in)
			if err != nil {
				return "", nil, err
			}
			return s, resource.PropertyMap{"result": resource.NewStringProperty(s)}, nil
		},
	}
	prov.Serve(&prov.Provider{Name: "random", Version: version, Resources: map[string]*prov.Resource{
		"random:index/randomPassword:RandomPassword": password,
		"random:index/randomString:RandomString":     str,
	}})
}
