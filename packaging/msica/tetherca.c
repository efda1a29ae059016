/*
 * tetherca.dll: the custom action of the Tether MSI (packaging/msi.go).
 *
 * Windows Installer can run an installed exe as a custom action, but then
 * nothing the exe prints reaches the installation log (msiexec /l*v), so an
 * admin whose silent deployment fails would only see "returned error 3".
 * This DLL runs the agent instead: it takes the command from
 * CustomActionData ("<agent path>|<properties>", set by an immediate
 * custom action), starts `"<agent>" msi "<properties>"` with stdout and
 * stderr redirected to a temporary file (a file, not a pipe: the agent may
 * start a jump client that outlives it and would hold a pipe open), waits,
 * and copies every line the agent printed into the log. When the agent
 * fails, its last words go out as an error message (a dialog with full UI,
 * the log with /quiet) and the installation rolls back.
 *
 * Quoting is done here, by the CommandLineToArgvW rules, so property values
 * may contain spaces, quotes and trailing backslashes.
 */
#include <windows.h>
#include <msi.h>
#include <msiquery.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* The agent gets at most this long; it only validates, copies one file and
 * registers a service, so anything longer is a hang. */
#define AGENT_TIMEOUT_MS (5 * 60 * 1000)
/* Output beyond this is not copied into the log. */
#define MAX_OUTPUT (64 * 1024)

static void send_message(MSIHANDLE h, INSTALLMESSAGE type, const WCHAR *text)
{
	MSIHANDLE rec = MsiCreateRecord(1);
	if (!rec)
		return;
	/* Field 0 is the template; the text goes in field 1 so that brackets
	 * in it are not taken for properties. */
	MsiRecordSetStringW(rec, 0, L"[1]");
	MsiRecordSetStringW(rec, 1, text);
	MsiProcessMessage(h, type, rec);
	MsiCloseHandle(rec);
}

/* get_property returns a malloc'd copy of a property (NULL on failure). */
static WCHAR *get_property(MSIHANDLE h, const WCHAR *name)
{
	DWORD n = 0;
	WCHAR empty[1] = {0};
	if (MsiGetPropertyW(h, name, empty, &n) != ERROR_MORE_DATA)
		return _wcsdup(L"");
	n++;
	WCHAR *buf = malloc(n * sizeof(WCHAR));
	if (!buf)
		return NULL;
	if (MsiGetPropertyW(h, name, buf, &n) != ERROR_SUCCESS) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* append_quoted appends arg to dst (room for at least 2*len(arg)+3 more
 * characters) quoted so that CommandLineToArgvW gives arg back. */
static void append_quoted(WCHAR *dst, const WCHAR *arg)
{
	WCHAR *p = dst + wcslen(dst);
	*p++ = L'"';
	for (;;) {
		size_t slashes = 0;
		while (*arg == L'\\') {
			arg++;
			slashes++;
		}
		if (*arg == 0) {
			/* Double the backslashes before the closing quote. */
			for (size_t i = 0; i < 2 * slashes; i++)
				*p++ = L'\\';
			break;
		}
		if (*arg == L'"') {
			for (size_t i = 0; i < 2 * slashes + 1; i++)
				*p++ = L'\\';
		} else {
			for (size_t i = 0; i < slashes; i++)
				*p++ = L'\\';
		}
		*p++ = *arg++;
	}
	*p++ = L'"';
	*p = 0;
}

/* log_output copies the agent's output into the log line by line and
 * returns it as one string (malloc'd; NULL when empty or unreadable). */
static WCHAR *log_output(MSIHANDLE h, HANDLE file)
{
	LARGE_INTEGER size;
	if (!GetFileSizeEx(file, &size) || size.QuadPart == 0)
		return NULL;
	DWORD n = size.QuadPart > MAX_OUTPUT ? MAX_OUTPUT : (DWORD)size.QuadPart;
	char *bytes = malloc(n + 1);
	DWORD got = 0;
	LARGE_INTEGER zero = {0};
	if (!bytes || !SetFilePointerEx(file, zero, NULL, FILE_BEGIN) || !ReadFile(file, bytes, n, &got, NULL)) {
		free(bytes);
		return NULL;
	}
	int wn = MultiByteToWideChar(CP_UTF8, 0, bytes, (int)got, NULL, 0);
	WCHAR *text = malloc((wn + 1) * sizeof(WCHAR));
	if (!text) {
		free(bytes);
		return NULL;
	}
	MultiByteToWideChar(CP_UTF8, 0, bytes, (int)got, text, wn);
	text[wn] = 0;
	free(bytes);
	WCHAR *line = malloc((wn + 16) * sizeof(WCHAR));
	if (line) {
		const WCHAR *start = text;
		for (const WCHAR *q = text;; q++) {
			if (*q == L'\n' || *q == 0) {
				size_t len = q - start;
				if (len > 0 && start[len - 1] == L'\r')
					len--;
				if (len > 0) {
					wcscpy(line, L"tether: ");
					wcsncat(line, start, len);
					send_message(h, INSTALLMESSAGE_INFO, line);
				}
				if (*q == 0)
					break;
				start = q + 1;
			}
		}
		free(line);
	}
	/* Trim trailing blank lines for the error message. */
	while (wn > 0 && (text[wn - 1] == L'\n' || text[wn - 1] == L'\r' || text[wn - 1] == L' '))
		text[--wn] = 0;
	return text;
}

static UINT fail(MSIHANDLE h, const WCHAR *what, DWORD err)
{
	WCHAR msg[512];
	_snwprintf(msg, 511, L"Tether jump client: %ls failed (Windows error %lu).", what, (unsigned long)err);
	msg[511] = 0;
	send_message(h, (INSTALLMESSAGE)(INSTALLMESSAGE_ERROR | MB_OK | MB_ICONERROR), msg);
	return ERROR_INSTALL_FAILURE;
}

/* run starts the agent with stdout/stderr in out and waits for it; it
 * returns its exit status, or sets *err and returns (DWORD)-1. */
static DWORD run(WCHAR *cmdline, const WCHAR *exe, HANDLE out, DWORD *err)
{
	SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
	HANDLE nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, NULL);
	if (nul == INVALID_HANDLE_VALUE) {
		*err = GetLastError();
		return (DWORD)-1;
	}
	/* Only these two handles are inherited, not whatever else the
	 * custom-action server has open. */
	HANDLE inherit[2] = {nul, out};
	SIZE_T attrsize = 0;
	InitializeProcThreadAttributeList(NULL, 1, 0, &attrsize);
	LPPROC_THREAD_ATTRIBUTE_LIST attrs = malloc(attrsize);
	STARTUPINFOEXW si;
	memset(&si, 0, sizeof(si));
	si.StartupInfo.cb = sizeof(si);
	si.StartupInfo.dwFlags = STARTF_USESTDHANDLES | STARTF_USESHOWWINDOW;
	si.StartupInfo.wShowWindow = SW_HIDE;
	si.StartupInfo.hStdInput = nul;
	si.StartupInfo.hStdOutput = out;
	si.StartupInfo.hStdError = out;
	DWORD flags = CREATE_NO_WINDOW | CREATE_UNICODE_ENVIRONMENT;
	if (attrs && InitializeProcThreadAttributeList(attrs, 1, 0, &attrsize) &&
	    UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherit, sizeof(inherit), NULL, NULL)) {
		si.lpAttributeList = attrs;
		flags |= EXTENDED_STARTUPINFO_PRESENT;
	}
	PROCESS_INFORMATION pi;
	DWORD status = (DWORD)-1;
	if (!CreateProcessW(exe, cmdline, NULL, NULL, TRUE, flags, NULL, NULL, &si.StartupInfo, &pi)) {
		*err = GetLastError();
	} else {
		if (WaitForSingleObject(pi.hProcess, AGENT_TIMEOUT_MS) != WAIT_OBJECT_0) {
			TerminateProcess(pi.hProcess, 1);
			WaitForSingleObject(pi.hProcess, 10000);
			*err = WAIT_TIMEOUT;
		} else if (!GetExitCodeProcess(pi.hProcess, &status)) {
			*err = GetLastError();
			status = (DWORD)-1;
		}
		CloseHandle(pi.hThread);
		CloseHandle(pi.hProcess);
	}
	if (si.lpAttributeList)
		DeleteProcThreadAttributeList(attrs);
	free(attrs);
	CloseHandle(nul);
	return status;
}

/* TetherRun is the custom action's entry point. */
UINT __stdcall TetherRun(MSIHANDLE h)
{
	WCHAR *data = get_property(h, L"CustomActionData");
	if (!data)
		return fail(h, L"reading CustomActionData", GetLastError());
	WCHAR *bar = wcschr(data, L'|');
	if (!bar || bar == data) {
		free(data);
		return fail(h, L"parsing CustomActionData", ERROR_INVALID_DATA);
	}
	*bar = 0;
	const WCHAR *exe = data, *props = bar + 1;
	/* "<exe>" msi "<props>": every character may need escaping. */
	size_t n = 2 * (wcslen(exe) + wcslen(props)) + 32;
	WCHAR *cmdline = calloc(n, sizeof(WCHAR));
	if (!cmdline) {
		free(data);
		return fail(h, L"allocating the command line", ERROR_OUTOFMEMORY);
	}
	append_quoted(cmdline, exe);
	wcscat(cmdline, L" msi ");
	append_quoted(cmdline, props);

	WCHAR dir[MAX_PATH + 1], path[MAX_PATH + 1];
	SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
	HANDLE out = INVALID_HANDLE_VALUE;
	if (GetTempPathW(MAX_PATH, dir) && GetTempFileNameW(dir, L"tca", 0, path))
		out = CreateFileW(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
				  &sa, CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, NULL);
	if (out == INVALID_HANDLE_VALUE) {
		DWORD err = GetLastError();
		free(cmdline);
		free(data);
		return fail(h, L"creating a temporary file", err);
	}
	DWORD err = 0;
	DWORD status = run(cmdline, exe, out, &err);
	WCHAR *text = log_output(h, out);
	CloseHandle(out);
	UINT rc = ERROR_SUCCESS;
	if (status == (DWORD)-1) {
		rc = fail(h, err == WAIT_TIMEOUT ? L"waiting for the agent" : L"starting the agent", err);
	} else if (status != 0) {
		WCHAR head[64];
		_snwprintf(head, 63, L"(exit status %lu) ", (unsigned long)status);
		head[63] = 0;
		size_t tn = text ? wcslen(text) : 0;
		WCHAR *msg = malloc((tn + 128) * sizeof(WCHAR)); /* text, a space, head */
		if (msg) {
			wcscpy(msg, text && tn ? text : L"The Tether agent failed.");
			wcscat(msg, L" ");
			wcscat(msg, head);
			send_message(h, (INSTALLMESSAGE)(INSTALLMESSAGE_ERROR | MB_OK | MB_ICONERROR), msg);
			free(msg);
		}
		rc = ERROR_INSTALL_FAILURE;
	}
	free(text);
	free(cmdline);
	free(data);
	return rc;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
	(void)inst;
	(void)reason;
	(void)reserved;
	return TRUE;
}
