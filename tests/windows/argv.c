/* A Neovim GUI as the Unity package launches one on Windows (named nvim-qt.exe by setup.sh):
 * writes the arguments it was given, as CommandLineToArgvW splits its command line, one per
 * line in UTF-8, to the file $ARGV_OUT (written beside, then moved, so a reader sees all or
 * nothing). A GUI program (-mwindows), as nvim-qt and Neovide are. */
#include <windows.h>
#include <shellapi.h>

int main(void)
{
    static wchar_t out[MAX_PATH], tmp[MAX_PATH + 4];
    static char utf8[65536];
    int argc, i;
    DWORD n;
    LPWSTR *argv = CommandLineToArgvW(GetCommandLineW(), &argc);
    HANDLE f;
    if (!argv || !GetEnvironmentVariableW(L"ARGV_OUT", out, MAX_PATH))
        return 2;
    lstrcpyW(tmp, out);
    lstrcatW(tmp, L".tmp");
    f = CreateFileW(tmp, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    if (f == INVALID_HANDLE_VALUE)
        return 3;
    for (i = 0; i < argc; i++) {
        int len = WideCharToMultiByte(CP_UTF8, 0, argv[i], -1, utf8, sizeof utf8, NULL, NULL);
        if (len > 0)
            WriteFile(f, utf8, (DWORD)len - 1, &n, NULL);
        WriteFile(f, "\n", 1, &n, NULL);
    }
    CloseHandle(f);
    return MoveFileExW(tmp, out, MOVEFILE_REPLACE_EXISTING) ? 0 : 4;
}
