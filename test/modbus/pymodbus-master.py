"""
A pymodbus master (Debian's python3-pymodbus, 3.0) against the simulated
device over RTU over TCP: the function codes modbus-serial and mbpoll cannot
send (diagnostics, comm event counter and log, read/write multiple, mask
write, report server ID, device identification). Prints one JSON object;
test/modbus/interop.test.ts checks it.

Requests go through client.execute() with pymodbus's request classes: the
3.0 release candidate's convenience methods drop the slave address for some
of these.

usage: python3 pymodbus-master.py HOST PORT
"""
import json
import sys

from pymodbus.client import ModbusTcpClient
from pymodbus.diag_message import (
    ClearCountersRequest,
    ReturnBusExceptionErrorCountRequest,
    ReturnBusMessageCountRequest,
    ReturnDiagnosticRegisterRequest,
    ReturnQueryDataRequest,
    ReturnSlaveMessageCountRequest,
)
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.mei_message import ReadDeviceInformationRequest
from pymodbus.other_message import GetCommEventCounterRequest, GetCommEventLogRequest, ReportSlaveIdRequest
from pymodbus.register_read_message import ReadHoldingRegistersRequest, ReadWriteMultipleRegistersRequest
from pymodbus.register_write_message import MaskWriteRegisterRequest, WriteSingleRegisterRequest

host, port = sys.argv[1], int(sys.argv[2])
client = ModbusTcpClient(host, port=port, framer=ModbusRtuFramer, timeout=3)
if not client.connect():
    print(json.dumps({"error": "cannot connect"}))
    sys.exit(1)

out = {}


def run(name, request, extract):
    response = client.execute(request)
    if response is None or response.isError():
        out[name] = {"error": str(response)}
    else:
        out[name] = extract(response)


run("query_data", ReturnQueryDataRequest(0xA537, unit=1), lambda r: list(r.message) if isinstance(r.message, (list, tuple)) else [r.message])
run("clear_counters", ClearCountersRequest(unit=1), lambda r: list(r.message))
run("read", ReadHoldingRegistersRequest(0, 2, unit=1), lambda r: r.registers)
run("unmapped", ReadHoldingRegistersRequest(4, 1, unit=1), lambda r: r.registers)
run("bus_message_count", ReturnBusMessageCountRequest(unit=1), lambda r: list(r.message))
run("bus_exception_count", ReturnBusExceptionErrorCountRequest(unit=1), lambda r: list(r.message))
run("slave_message_count", ReturnSlaveMessageCountRequest(unit=1), lambda r: list(r.message))
run("diagnostic_register", ReturnDiagnosticRegisterRequest(unit=1), lambda r: list(r.message))
run("readwrite", ReadWriteMultipleRegistersRequest(read_address=180, read_count=3, write_address=181, write_registers=[7, 8], unit=1), lambda r: r.registers)
run("write", WriteSingleRegisterRequest(190, 0x12, unit=1), lambda r: [r.address, r.value])
run("mask_write", MaskWriteRegisterRequest(190, 0xF2, 0x25, unit=1), lambda r: [r.address, r.and_mask, r.or_mask])
run("after_mask", ReadHoldingRegistersRequest(190, 1, unit=1), lambda r: r.registers)
run("event_counter", GetCommEventCounterRequest(unit=1), lambda r: [r.status, r.count])
run("event_log", GetCommEventLogRequest(unit=1), lambda r: {"status": r.status, "events": r.event_count, "messages": r.message_count, "log": list(r.events)})
run("server_id", ReportSlaveIdRequest(unit=1), lambda r: {"identifier": list(r.identifier), "status": r.status})
run("device_id", ReadDeviceInformationRequest(read_code=2, object_id=0, unit=1), lambda r: {"conformity": r.conformity, "objects": {str(k): v.decode() for k, v in r.information.items()}})
client.close()
print(json.dumps(out))
