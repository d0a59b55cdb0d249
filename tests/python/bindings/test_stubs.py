"""subsidy/__init__.pyi describes the package as it is: the same public names, classes, methods and
parameters."""
import ast
import inspect

import subsidy
from conftest import PACKAGE_DIR


def stub_tree():
    return ast.parse((PACKAGE_DIR / "subsidy" / "__init__.pyi").read_text(encoding="utf-8"))


def parameters(node: ast.FunctionDef) -> list:
    args = node.args
    names = [arg.arg for arg in args.posonlyargs + args.args]
    names += [f"*{args.vararg.arg}"] if args.vararg else []
    names += [f"{arg.arg}=" if default is not None else arg.arg
              for arg, default in zip(args.kwonlyargs, args.kw_defaults)]
    return names


def runtime_parameters(function) -> list:
    names = []
    for parameter in inspect.signature(function).parameters.values():
        if parameter.kind is parameter.VAR_POSITIONAL:
            names.append(f"*{parameter.name}")
        elif parameter.kind is parameter.KEYWORD_ONLY:
            names.append(f"{parameter.name}=" if parameter.default is not parameter.empty
                         else parameter.name)
        else:
            names.append(parameter.name)
    return names


def test_every_public_name_has_a_stub_and_every_stub_a_name():
    tree = stub_tree()
    stubbed = {node.name for node in tree.body if isinstance(node, (ast.ClassDef, ast.FunctionDef))}
    public = set(subsidy.__all__) - {"__version__"}
    assert stubbed - {"NotFoundError"} == public - {"NotFoundError"}
    assert "NotFoundError" in stubbed


def test_stubbed_functions_and_methods_match_their_signatures():
    checked = 0
    for node in stub_tree().body:
        if isinstance(node, ast.FunctionDef):
            assert parameters(node) == runtime_parameters(getattr(subsidy, node.name)), node.name
            checked += 1
        elif isinstance(node, ast.ClassDef):
            cls = getattr(subsidy, node.name)
            for member in node.body:
                if not isinstance(member, ast.FunctionDef) or member.name.startswith("__") and \
                        member.name not in ("__init__", "__len__"):
                    continue
                attribute = inspect.getattr_static(cls, member.name)
                if isinstance(attribute, property):
                    continue
                function = attribute.__func__ if isinstance(attribute, (classmethod, staticmethod)) \
                    else attribute
                stub = parameters(member)
                actual = runtime_parameters(function)
                assert stub == actual, f"{node.name}.{member.name}: {stub} != {actual}"
                checked += 1
    assert checked >= 25
