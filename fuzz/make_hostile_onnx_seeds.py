#!/usr/bin/env python3
"""Writes the hostile ONNX seeds of fuzz/corpus/onnx_inspect/ (models that must be refused with one line).

The protobuf is encoded by hand (field numbers from onnx.proto, IR version 8), so the script needs nothing
but Python 3: `python3 fuzz/make_hostile_onnx_seeds.py` rewrites the same bytes every time.

  ext-outside-absolute.onnx  initializer "w" whose external data location is "/etc/passwd"
  ext-outside-dotdot.onnx    the same through "../../../../../../../../../../etc/passwd"
  tensor-100gib-no-data.onnx initializer "w" with dims [1024, 1024, 25600] float32 (100 GiB) and no data
  input-huge-shape.onnx      input "x" float32[100000, 100000] (40 GB) into a Relu

tests/cli/models_cli_test.cpp runs `servesim inspect`, `profile` and `models quantize` on them.
"""
import os

FLOAT = 1
EXTERNAL = 1


def varint(value):
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def value_info(name, dims):
    # ValueInfoProto{name=1, type=2{tensor_type=1{elem_type=1, shape=2{dim=1{dim_value=1}}}}}
    shape = b"".join(field_bytes(1, field_varint(1, d)) for d in dims)
    tensor_type = field_varint(1, FLOAT) + field_bytes(2, shape)
    return field_bytes(1, name) + field_bytes(2, field_bytes(1, tensor_type))


def tensor(name, dims, raw=None, external=None):
    # TensorProto{dims=1, data_type=2, name=8, raw_data=9, external_data=13, data_location=14}
    out = b"".join(field_varint(1, d) for d in dims) + field_varint(2, FLOAT) + field_bytes(8, name)
    if raw is not None:
        out += field_bytes(9, raw)
    if external is not None:
        for key, value in external:
            out += field_bytes(13, field_bytes(1, key) + field_bytes(2, value))
        out += field_varint(14, EXTERNAL)
    return out


def node(op_type, inputs, outputs):
    # NodeProto{input=1, output=2, name=3, op_type=4}
    return (b"".join(field_bytes(1, i) for i in inputs) + b"".join(field_bytes(2, o) for o in outputs) +
            field_bytes(3, op_type.lower()) + field_bytes(4, op_type))


def model(nodes, initializers, inputs, outputs):
    # GraphProto{node=1, name=2, initializer=5, input=11, output=12}
    graph = b"".join(field_bytes(1, n) for n in nodes) + field_bytes(2, "hostile")
    graph += b"".join(field_bytes(5, t) for t in initializers)
    graph += b"".join(field_bytes(11, v) for v in inputs) + b"".join(field_bytes(12, v) for v in outputs)
    # ModelProto{ir_version=1, producer_name=2, graph=7, opset_import=8{domain=1, version=2}}
    return (field_varint(1, 8) + field_bytes(2, "fuzz-seed") + field_bytes(7, graph) +
            field_bytes(8, field_bytes(1, "") + field_varint(2, 13)))


def mul_by_weight(weight):
    return model([node("Mul", ["x", "w"], ["y"])], [weight], [value_info("x", [4])], [value_info("y", [4])])


def main():
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "onnx_inspect")
    outside = lambda location: tensor("w", [4], external=[("location", location), ("offset", "0"),
                                                          ("length", "16")])
    seeds = {
        "ext-outside-absolute.onnx": mul_by_weight(outside("/etc/passwd")),
        "ext-outside-dotdot.onnx": mul_by_weight(outside("../" * 10 + "etc/passwd")),
        "tensor-100gib-no-data.onnx": model([node("Add", ["x", "w"], ["y"])],
                                            [tensor("w", [1024, 1024, 25600])], [value_info("x", [1])],
                                            [value_info("y", [1024, 1024, 25600])]),
        "input-huge-shape.onnx": model([node("Relu", ["x"], ["y"])], [], [value_info("x", [100000, 100000])],
                                       [value_info("y", [100000, 100000])]),
    }
    for name, data in seeds.items():
        with open(os.path.join(folder, name), "wb") as out:
            out.write(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
