"""Run inside Wine (copied into the prefix): deliver a console control event the way
Windows delivers it, to a program and the processes it started.

Windows' console host delivers Ctrl+Break, a closed window, a logoff or a shutdown by
starting a thread in each process of the console at kernelbase's `CtrlRoutine`, with
the event as its argument; that routine calls the process's handlers in turn. Wine 8
has no way to send these events (`GenerateConsoleCtrlEvent` sends only Ctrl+C, quirk
`ctrl-break` in tests/wine.py), so this does what the console host does: a remote
thread at `CtrlRoutine` in each process whose executable is named on the command line
and in each of its children (pip's lease-tables.exe launcher and its python.exe).

Usage: python.exe wine_console_event.py EVENT EXE-NAME. Prints one JSON object: the
processes signalled, by id and executable.
"""

import ctypes
import json
import sys
from ctypes import wintypes

PROCESS_ALL_ACCESS = 0x1F0FFF
TH32CS_SNAPPROCESS = 0x2


class ProcessEntry(ctypes.Structure):
    _fields_ = [("dwSize", wintypes.DWORD), ("cntUsage", wintypes.DWORD),
                ("th32ProcessID", wintypes.DWORD), ("th32DefaultHeapID", ctypes.c_void_p),
                ("th32ModuleID", wintypes.DWORD), ("cntThreads", wintypes.DWORD),
                ("th32ParentProcessID", wintypes.DWORD), ("pcPriClassBase", ctypes.c_long),
                ("dwFlags", wintypes.DWORD), ("szExeFile", ctypes.c_wchar * 260)]


def main() -> None:
    event, name = int(sys.argv[1]), sys.argv[2].lower()
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    kernel32.CreateToolhelp32Snapshot.restype = wintypes.HANDLE
    kernel32.OpenProcess.restype = wintypes.HANDLE
    kernel32.GetModuleHandleW.restype = wintypes.HMODULE
    kernel32.GetProcAddress.restype = ctypes.c_void_p
    kernel32.GetProcAddress.argtypes = [wintypes.HMODULE, ctypes.c_char_p]
    kernel32.CreateRemoteThread.restype = wintypes.HANDLE
    kernel32.CreateRemoteThread.argtypes = [wintypes.HANDLE, ctypes.c_void_p, ctypes.c_size_t,
                                            ctypes.c_void_p, ctypes.c_void_p, wintypes.DWORD,
                                            ctypes.c_void_p]
    snapshot = kernel32.CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0)
    entry = ProcessEntry()
    entry.dwSize = ctypes.sizeof(ProcessEntry)
    processes = []
    more = kernel32.Process32FirstW(snapshot, ctypes.byref(entry))
    while more:
        processes.append((entry.th32ProcessID, entry.th32ParentProcessID, entry.szExeFile))
        more = kernel32.Process32NextW(snapshot, ctypes.byref(entry))
    kernel32.CloseHandle(snapshot)
    named = {pid for pid, _, exe in processes if exe.lower() == name}
    # kernelbase is at the same address in every process of a Wine prefix, as on Windows.
    routine = kernel32.GetProcAddress(kernel32.GetModuleHandleW("kernelbase"), b"CtrlRoutine")
    signalled = []
    for pid, parent, exe in processes:
        if pid in named or parent in named:
            process = kernel32.OpenProcess(PROCESS_ALL_ACCESS, False, pid)
            thread = kernel32.CreateRemoteThread(process, None, 0, routine,
                                                 ctypes.c_void_p(event), 0, None)
            if not thread:
                raise OSError(ctypes.get_last_error(), f"no thread in {exe} ({pid})")
            signalled.append({"pid": pid, "exe": exe})
            kernel32.CloseHandle(thread)
            kernel32.CloseHandle(process)
    print(json.dumps({"signalled": signalled}))


if __name__ == "__main__":
    main()
