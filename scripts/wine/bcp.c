/*
 * bcryptprimitives.dll for Wine 8: Go 1.22+ executables import ProcessPrng
 * from it at start-up, and Wine 8 has no such export, so every Go binary
 * dies before main. This shim forwards to RtlGenRandom (advapi32's
 * SystemFunction036), which Wine implements. It is installed only into the
 * Wine prefix used by scripts/wine.sh; real Windows (10+) has the export.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	/* RtlGenRandom takes a ULONG length; split larger requests. */
	while (len > 0) {
		ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
