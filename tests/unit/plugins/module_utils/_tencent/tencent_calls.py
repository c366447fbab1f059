"""The Tencent unit tests' product, devices and short action names (a module of its own name: ``from conftest
import`` would pick whichever ``conftest`` was imported first, and ansible-test units imports several). The demo
credentials are the kit's (tests/kit/credentials.py)."""

PRODUCT = "TCPROD0001"
DEVICES = ["tc-sensor-0001", "tc-sensor-0002", "tc-sensor-0003"]

# Short names for the expected action lists.
DF = "DescribeFirmware"
DFT = "DescribeFirmwareTask"
DFTS = "DescribeFirmwareTasks"
ROWS = "DescribeFirmwareTaskDevices"
GDL = "GetDeviceList"
BUF = "BatchUpdateFirmware"
CANCEL = "UpdateOtaTaskStatus"
