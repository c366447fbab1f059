"""The Tencent unit tests' demo credentials and short action names (a module of its own name: ``from conftest
import`` would pick whichever ``conftest`` was imported first, and ansible-test units imports several)."""

SECRET_ID = "AKIDdemo0000000000000000000000000000"
SECRET_KEY = "demo-secret-key-000000000000000000"
REGION = "ap-guangzhou"
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
