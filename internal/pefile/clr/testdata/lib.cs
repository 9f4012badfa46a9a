// A class library with every trait the dotnet module reports: an
// assembly version and culture-neutral name, a typelib GUID, string
// constants, a static array (a FieldRVA row), P/Invoke module references,
// user strings, and (from the -resource: flags in gen.sh) manifest
// resources.
using System;
using System.Reflection;
using System.Runtime.InteropServices;

[assembly: AssemblyVersion("1.2.3.4")]
[assembly: AssemblyTitle("cascade clr fixture")]
[assembly: Guid("3f2504e0-4f89-11d3-9a0c-0305e82c3301")]

namespace Cascade.Fixture
{
    public class Lib
    {
        public const string Marker = "cascade-constant-marker";
        public const string Other = "second constant";
        public const int Answer = 42;
        static readonly int[] table = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

        [DllImport("kernel32.dll")]
        static extern int GetTickCount();

        [DllImport("user32.dll", CharSet = CharSet.Ansi)]
        static extern int MessageBoxA(IntPtr hwnd, string text, string caption, int flags);

        public static string Hello()
        {
            return "hello from the cascade fixture " + table.Length + Marker;
        }

        public static int Tick() { return GetTickCount() + MessageBoxA(IntPtr.Zero, "t", "c", 0); }
    }
}
